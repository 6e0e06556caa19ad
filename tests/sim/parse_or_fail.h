// Test helper: a scenario from TOML text, failing the current Boost test
// with the parser's message if it does not parse.
#pragma once

#include <boost/test/unit_test.hpp>
#include <string>
#include <variant>

#include "sim/scenario_parser.h"

namespace dds::sim {

inline Scenario ParseOrFail(const std::string& text, const std::string& name) {
  ParseOutcome outcome = ParseScenarioText(text, name);
  const ParseError* error = std::get_if<ParseError>(&outcome);
  BOOST_REQUIRE_MESSAGE(!error, (error ? error->ToString() : ""));
  return std::get<Scenario>(std::move(outcome));
}

}  // namespace dds::sim
