// Parsing and printing of scenario units; see units.h.
#include "sim/units.h"

#include <array>
#include <cstdio>
#include <utility>

namespace dds::sim {
namespace {

// Longest accepted value: about 292 years in microseconds fits in int64.
constexpr uint64_t kMaxMicros = 1ull << 62;

// Splits "123.45ms" into digits, fraction digits and unit; false if the
// number part is empty or has stray characters.
bool SplitNumber(std::string_view text, std::string_view* whole,
                 std::string_view* fraction, std::string_view* unit) {
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  *whole = text.substr(0, i);
  *fraction = {};
  if (i < text.size() && text[i] == '.') {
    size_t start = ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    *fraction = text.substr(start, i - start);
    if (fraction->empty()) return false;
  }
  *unit = text.substr(i);
  return !whole->empty();
}

// Parses decimal digits; nothing on overflow past `limit`.
std::optional<uint64_t> Digits(std::string_view digits, uint64_t limit) {
  uint64_t value = 0;
  for (char c : digits) {
    value = value * 10 + static_cast<uint64_t>(c - '0');
    if (value > limit) return std::nullopt;
  }
  return value;
}

}  // namespace

std::optional<Duration> ParseDuration(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, uint64_t>, 5> kUnits = {
      {{"us", 1}, {"ms", 1000}, {"s", 1000000}, {"m", 60000000}, {"h", 3600000000}}};
  std::string_view whole, fraction, unit;
  if (!SplitNumber(text, &whole, &fraction, &unit)) return std::nullopt;
  for (const auto& [name, micros] : kUnits) {
    if (unit != name) continue;
    auto w = Digits(whole, kMaxMicros / micros);
    if (!w || fraction.size() > 9) return std::nullopt;
    uint64_t total = *w * micros;
    uint64_t scale = micros;
    for (char c : fraction) {  // each fraction digit is worth a tenth of the last
      total += static_cast<uint64_t>(c - '0') * scale / 10;
      scale /= 10;
    }
    return Duration(static_cast<int64_t>(total));
  }
  return std::nullopt;
}

std::optional<uint64_t> ParseSize(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, uint64_t>, 5> kUnits = {
      {{"", 1}, {"B", 1}, {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}}};
  std::string_view whole, fraction, unit;
  if (!SplitNumber(text, &whole, &fraction, &unit) || !fraction.empty())
    return std::nullopt;
  for (const auto& [name, bytes] : kUnits) {
    if (unit != name) continue;
    auto w = Digits(whole, (1ull << 50) / bytes);
    if (!w) return std::nullopt;
    return *w * bytes;
  }
  return std::nullopt;
}

std::string FormatSeconds(Duration d) {
  int64_t ms = ToMillis(d);
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%s%lld.%03llds", ms < 0 ? "-" : "",
                static_cast<long long>((ms < 0 ? -ms : ms) / 1000),
                static_cast<long long>((ms < 0 ? -ms : ms) % 1000));
  return buf.data();
}

std::string FormatSeconds(Instant at) { return FormatSeconds(at.time_since_epoch()); }

std::string Hex64(uint64_t value) {
  std::array<char, 17> buf{};
  std::snprintf(buf.data(), buf.size(), "%016llx",
                static_cast<unsigned long long>(value));
  return buf.data();
}

}  // namespace dds::sim
