// Strict typed access to TOML tables; see toml_fields.h.
#include "sim/toml_fields.h"

#include "sim/units.h"

namespace dds::sim {
namespace {

const char* TypeName(toml::node_type type) {
  switch (type) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

// "1", "0.5", "10000": a bound for messages, without trailing zeros.
std::string Trimmed(double value) {
  std::string text = std::to_string(value);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') text.pop_back();
  return text;
}

}  // namespace

Fields::Fields(const toml::table& table, std::string section)
    : table_(table), section_(std::move(section)) {}

int64_t Fields::line() const { return static_cast<int64_t>(table_.source().begin.line); }

const toml::node* Fields::Node(std::string_view key) {
  asked_.emplace(key);
  return table_.get(key);
}

void Fields::Fail(std::string_view key, std::string what) const {
  const toml::node* node = table_.get(key);
  int64_t at = node ? static_cast<int64_t>(node->source().begin.line) : line();
  std::string name =
      section_.empty() ? std::string(key) : section_ + "." + std::string(key);
  throw FieldError{at, std::move(name), std::move(what)};
}

void Fields::Wrong(std::string_view key, const toml::node& node,
                   std::string_view expected) const {
  std::string got;
  if (auto s = node.value<std::string>()) {
    got = "\"" + *s + "\"";
  } else {
    got = TypeName(node.type());
  }
  Fail(key, "expected " + std::string(expected) + ", got " + got);
}

void Fields::RejectUnknown(std::string_view why) const {
  for (const auto& [key, node] : table_) {
    if (!asked_.contains(key.str())) Fail(key.str(), "unknown key" + std::string(why));
  }
}

std::optional<uint64_t> Fields::Count(std::string_view key, uint64_t min, uint64_t max) {
  const toml::node* node = Node(key);
  if (!node) return std::nullopt;
  std::optional<int64_t> value = node->value_exact<int64_t>();
  if (!value) Wrong(key, *node, "an integer");
  if (*value < 0 || static_cast<uint64_t>(*value) < min ||
      static_cast<uint64_t>(*value) > max) {
    Fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                  ", got " + std::to_string(*value));
  }
  return static_cast<uint64_t>(*value);
}

std::optional<double> Fields::Number(std::string_view key, double max) {
  const toml::node* node = Node(key);
  if (!node) return std::nullopt;
  std::string range = "between 0 and " + Trimmed(max);
  if (!node->is_number()) Wrong(key, *node, "a number " + range);
  double value = *node->value<double>();
  if (!(value >= 0 && value <= max)) Fail(key, "must be " + range);
  return value;
}

std::optional<double> Fields::Fraction(std::string_view key) { return Number(key, 1); }

std::optional<bool> Fields::Flag(std::string_view key) {
  const toml::node* node = Node(key);
  if (!node) return std::nullopt;
  std::optional<bool> value = node->value_exact<bool>();
  if (!value) Wrong(key, *node, "true or false");
  return value;
}

std::optional<Duration> Fields::Time(std::string_view key) {
  const toml::node* node = Node(key);
  if (!node) return std::nullopt;
  std::optional<std::string> text = node->value_exact<std::string>();
  std::optional<Duration> value = text ? ParseDuration(*text) : std::nullopt;
  if (!value) Wrong(key, *node, "a duration such as \"250ms\", \"30s\" or \"2m\"");
  return value;
}

std::optional<uint64_t> Fields::Bytes(std::string_view key) {
  const toml::node* node = Node(key);
  if (!node) return std::nullopt;
  if (auto n = node->value_exact<int64_t>(); n && *n >= 0)
    return static_cast<uint64_t>(*n);
  std::optional<std::string> text = node->value_exact<std::string>();
  std::optional<uint64_t> value = text ? ParseSize(*text) : std::nullopt;
  if (!value) Wrong(key, *node, "a size such as \"4KiB\", \"1MiB\" or 512");
  return value;
}

std::optional<std::string> Fields::Text(std::string_view key) {
  const toml::node* node = Node(key);
  if (!node) return std::nullopt;
  std::optional<std::string> value = node->value_exact<std::string>();
  if (!value) Wrong(key, *node, "a string");
  return value;
}

std::optional<std::vector<std::string>> Fields::Texts(std::string_view key) {
  const toml::node* node = Node(key);
  if (!node) return std::nullopt;
  const toml::array* array = node->as_array();
  if (!array) Wrong(key, *node, "an array of strings");
  std::vector<std::string> out;
  for (const toml::node& item : *array) {
    std::optional<std::string> text = item.value_exact<std::string>();
    if (!text) Wrong(key, item, "an array of strings");
    out.push_back(*text);
  }
  return out;
}

std::optional<std::vector<std::vector<std::string>>> Fields::Groups(
    std::string_view key) {
  const toml::node* node = Node(key);
  if (!node) return std::nullopt;
  const toml::array* array = node->as_array();
  if (!array || array->empty()) Wrong(key, *node, "an array of arrays of names");
  std::vector<std::vector<std::string>> out;
  for (const toml::node& group : *array) {
    const toml::array* names = group.as_array();
    if (!names || names->empty()) Wrong(key, group, "a non-empty array of names");
    out.emplace_back();
    for (const toml::node& name : *names) {
      std::optional<std::string> text = name.value_exact<std::string>();
      if (!text) Wrong(key, name, "a name (string)");
      out.back().push_back(*text);
    }
  }
  return out;
}

}  // namespace dds::sim
