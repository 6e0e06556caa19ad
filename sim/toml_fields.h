// Typed, strict access to the keys of one TOML table, for the scenario
// parser. Every getter returns nothing when the key is absent and throws
// FieldError (naming the file, line and key) when it is present but wrong;
// RejectUnknown then flags any key nobody asked for, so a misspelt key is an
// error rather than a silently ignored setting.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"

namespace dds::sim {

struct FieldError {
  int64_t line = 0;
  std::string key;
  std::string what;
};

class Fields {
 public:
  // `section` prefixes key names in messages ("cluster" -> "cluster.nodes").
  Fields(const toml::table& table, std::string section);

  std::optional<uint64_t> Count(std::string_view key, uint64_t min, uint64_t max);
  // A number in [0, max] (an integer is accepted).
  std::optional<double> Number(std::string_view key, double max);
  std::optional<double> Fraction(std::string_view key);  // Number(key, 1)
  std::optional<bool> Flag(std::string_view key);
  std::optional<Duration> Time(std::string_view key);
  // "4KiB" or a plain integer number of bytes.
  std::optional<uint64_t> Bytes(std::string_view key);
  std::optional<std::string> Text(std::string_view key);
  std::optional<std::vector<std::string>> Texts(std::string_view key);
  std::optional<std::vector<std::vector<std::string>>> Groups(std::string_view key);

  template <typename T>
  T Required(std::optional<T> value, std::string_view key) const {
    if (!value) Fail(key, "missing (required)");
    return *std::move(value);
  }

  // Throws FieldError about `key` (at its line if present, else the table's).
  [[noreturn]] void Fail(std::string_view key, std::string what) const;
  // Throws about the first key (in key order) no getter asked for.
  void RejectUnknown(std::string_view why) const;
  int64_t line() const;
  // The raw value of `key` (marked as asked), or null if absent.
  const toml::node* Node(std::string_view key);

 private:
  [[noreturn]] void Wrong(std::string_view key, const toml::node& node,
                          std::string_view expected) const;

  const toml::table& table_;
  const std::string section_;
  std::set<std::string, std::less<>> asked_;
};

}  // namespace dds::sim
