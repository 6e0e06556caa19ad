// Range header parsing (rules in range.h).
#include "runtime/http/range.h"

#include <charconv>
#include <optional>

namespace dds::http {
namespace {

// A non-empty run of decimal digits, and nothing else.
std::optional<uint64_t> ParseNumber(std::string_view text) {
  uint64_t value = 0;
  if (text.empty()) return std::nullopt;
  const auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

RangeRequest Partial(uint64_t first, uint64_t last) {
  return {RangeRequest::Kind::kPartial, {first, last - first + 1}};
}

}  // namespace

RangeRequest ParseRange(std::string_view header, uint64_t size) {
  constexpr std::string_view kUnit = "bytes=";
  const RangeRequest whole;
  const RangeRequest unsatisfiable{RangeRequest::Kind::kUnsatisfiable, {}};
  if (!header.starts_with(kUnit)) return whole;
  const std::string_view spec = header.substr(kUnit.size());
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos || spec.find(',') != std::string_view::npos)
    return whole;
  const std::optional<uint64_t> first = ParseNumber(spec.substr(0, dash));
  const std::optional<uint64_t> last = ParseNumber(spec.substr(dash + 1));
  if (!first) {  // Suffix range ("-N"): the last N bytes; anything else is invalid.
    if (dash != 0 || !last) return whole;
    if (*last == 0 || size == 0) return unsatisfiable;
    return Partial(*last >= size ? 0 : size - *last, size - 1);
  }
  if (last && *last < *first) return whole;
  if (!last && dash + 1 != spec.size()) return whole;
  if (*first >= size) return unsatisfiable;
  return Partial(*first, last && *last < size ? *last : size - 1);
}

}  // namespace dds::http
