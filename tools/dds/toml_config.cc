// TOML config files for CLI11; see toml_config.h.
#include "tools/dds/toml_config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <iterator>
#include <sstream>

namespace dds::tool {
namespace {

// The text CLI11 parses an option from, for one TOML value.
std::string ScalarText(const toml::node& value) {
  if (const auto* s = value.as_string()) return s->get();
  if (const auto* b = value.as_boolean()) return b->get() ? "true" : "false";
  std::ostringstream out;
  value.visit([&](const auto& v) { out << v; });
  return out.str();
}

void Collect(const toml::table& table, const std::vector<std::string>& parents,
             std::vector<CLI::ConfigItem>* items) {
  for (const auto& [key, value] : table) {
    std::string name(key.str());
    std::replace(name.begin(), name.end(), '_', '-');
    if (const auto* sub = value.as_table()) {
      auto nested = parents;
      nested.push_back(name);
      Collect(*sub, nested, items);
      continue;
    }
    CLI::ConfigItem item;
    item.parents = parents;
    item.name = name;
    if (const auto* array = value.as_array()) {
      for (const auto& element : *array) item.inputs.push_back(ScalarText(element));
    } else {
      item.inputs.push_back(ScalarText(value));
    }
    items->push_back(std::move(item));
  }
}

}  // namespace

std::string TomlConfig::to_config(const CLI::App*, bool, bool, std::string) const {
  // dds never writes config files.
  return {};
}

std::vector<CLI::ConfigItem> TomlConfig::from_config(std::istream& input) const {
  const std::string text(std::istreambuf_iterator<char>(input), {});
  std::vector<CLI::ConfigItem> found;
  try {
    Collect(toml::parse(text), {}, &found);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw CLI::ConfigError("config file, line " + std::to_string(where.line) +
                           ", column " + std::to_string(where.column) + ": " +
                           std::string(e.description()));
  }
  return found;
}

}  // namespace dds::tool
