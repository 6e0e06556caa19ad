// Reads a scenario from TOML (with toml++), strictly: an unknown key or
// action, a malformed duration or size, an unknown node, a missing or
// mistyped key, or broken TOML is an error that names the file, the line and
// the key. Never throws.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "sim/scenario.h"

namespace dds::sim {

struct ParseError {
  std::string file;
  int64_t line = 0;  // 0: not about one line (the file cannot be read)
  std::string key;   // "cluster.nodes", "action.do", ...
  std::string what;

  // "FILE:LINE: KEY: what is wrong"
  std::string ToString() const;
};

using ParseOutcome = std::variant<Scenario, ParseError>;

ParseOutcome ParseScenarioFile(const std::string& path);
// `file` names the text in messages.
ParseOutcome ParseScenarioText(std::string_view text, const std::string& file);

}  // namespace dds::sim
