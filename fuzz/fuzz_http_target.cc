// libFuzzer target for the HTTP inputs parsed before any file is touched: the
// request target under /data/ (runtime/http/target.h) and the Range header
// (runtime/http/range.h).
//
// An input starting with 'r' is "r" SIZE "\n" HEADER: a Range header for a
// file of SIZE bytes (decimal; sizes at the edges are tried as well).
// Anything else is a request target.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "core/check.h"
#include "core/path.h"
#include "runtime/http/range.h"
#include "runtime/http/target.h"

namespace dds::fuzz {
namespace {

using http::RangeRequest;

constexpr uint64_t kMaxU64 = std::numeric_limits<uint64_t>::max();

// A run of decimal digits. One too large for 64 bits is `huge`, with the
// value kMaxU64: past the end of any file.
struct Number {
  uint64_t value = 0;
  bool huge = false;
};

std::optional<Number> Digits(std::string_view text) {
  if (text.empty()) return std::nullopt;
  Number n;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t digit = c - '0';
    n.huge = n.huge || n.value > (kMaxU64 - digit) / 10;
    n.value = n.huge ? kMaxU64 : n.value * 10 + digit;
  }
  return n;
}

struct Expected {
  RangeRequest request;
  // A number beyond 64 bits was involved: ignoring the header (kWhole) is
  // right too, as RFC 9110 lets a server ignore Range at any time.
  bool may_ignore = false;
};

// What RFC 9110 section 14 and range.h ask for, written from the grammar
// ("bytes=" (first-pos "-" [last-pos] / "-" suffix-length)) rather than from
// range.cc. Nothing when two numbers beyond 64 bits leave it undecided.
std::optional<Expected> ExpectedRange(std::string_view header, uint64_t size) {
  const RangeRequest whole;
  const RangeRequest unsatisfiable{RangeRequest::Kind::kUnsatisfiable, {}};
  if (!header.starts_with("bytes=")) return Expected{whole};
  const std::string_view spec = header.substr(6);
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return Expected{whole};
  const std::string_view last_text = spec.substr(dash + 1);
  const std::optional<Number> last = Digits(last_text);
  if (!last && !last_text.empty()) return Expected{whole};
  if (dash == 0) {  // A suffix range: the last N bytes.
    if (!last) return Expected{whole};
    if (last->value == 0 || size == 0) return Expected{unsatisfiable, last->huge};
    const uint64_t length = std::min(last->value, size);
    return Expected{{RangeRequest::Kind::kPartial, {size - length, length}}, last->huge};
  }
  const std::optional<Number> first = Digits(spec.substr(0, dash));
  if (!first) return Expected{whole};
  const bool may_ignore = first->huge || (last && last->huge);
  if (first->huge && last && last->huge) return std::nullopt;
  if (last && (first->huge || last->value < first->value)) return Expected{whole};
  if (first->value >= size) return Expected{unsatisfiable, may_ignore};
  const uint64_t end = last && last->value < size ? last->value : size - 1;
  return Expected{{RangeRequest::Kind::kPartial, {first->value, end - first->value + 1}},
                  may_ignore};
}

void CheckRange(std::string_view header, uint64_t size) {
  const RangeRequest got = http::ParseRange(header, size);
  if (got.kind == RangeRequest::Kind::kPartial) {
    DDS_CHECK(got.range.length >= 1 && got.range.first < size &&
              got.range.length <= size - got.range.first);
  }
  const std::optional<Expected> expected = ExpectedRange(header, size);
  if (!expected || (expected->may_ignore && got.kind == RangeRequest::Kind::kWhole)) {
    return;
  }
  DDS_CHECK(got.kind == expected->request.kind);
  if (got.kind == RangeRequest::Kind::kPartial) {
    DDS_CHECK(got.range.first == expected->request.range.first &&
              got.range.length == expected->request.range.length);
  }
}

void CheckRanges(std::string_view input) {
  const size_t newline = input.find('\n');
  if (newline == std::string_view::npos) return;
  const std::string_view header = input.substr(newline + 1);
  const std::optional<Number> size = Digits(input.substr(0, newline));
  if (size && !size->huge) CheckRange(header, size->value);
  for (const uint64_t edge : {uint64_t{0}, uint64_t{1}, kMaxU64 - 1, kMaxU64}) {
    CheckRange(header, edge);
  }
}

// Any byte string, encoded for a URL, parses back to itself exactly when it
// is a valid path: the decoder undoes the encoder and ValidatePath is the
// only gate.
void CheckEncodedTarget(std::string_view raw) {
  if (raw.empty() || raw.ends_with('/')) return;  // a directory target
  const Result<http::DataTarget> parsed =
      http::ParseDataTarget("/data/" + http::PercentEncodePath(raw));
  DDS_CHECK(parsed.ok() == ValidatePath(raw).ok());
  DDS_CHECK(!parsed.ok() || (parsed->path == raw && !parsed->directory));
}

// Any byte string, encoded, is a query value that decodes back to itself; the
// first of two values with the name wins.
void CheckEncodedQuery(std::string_view raw) {
  Result<std::optional<std::string>> value = http::QueryParam(
      "a=1&format=" + http::PercentEncodePath(raw) + "&format=2", "format");
  DDS_CHECK(value.ok() && value->has_value() && **value == raw);
}

void CheckTarget(std::string_view input) {
  CheckEncodedTarget(input);
  CheckEncodedQuery(input);
  // ParseDataTarget's caller (the router) has checked the prefix.
  const std::string target =
      input.starts_with("/data") ? std::string(input) : "/data/" + std::string(input);
  const Result<http::DataTarget> parsed = http::ParseDataTarget(target);
  if (!parsed.ok()) return;
  DDS_CHECK(parsed->path.empty() ? parsed->directory : ValidatePath(parsed->path).ok());
  // The parse is a fixed point: encoding what it found and parsing that again
  // finds the same path, kind and query.
  std::string again = "/data/" + http::PercentEncodePath(parsed->path);
  if (parsed->directory && !parsed->path.empty()) again += '/';
  if (target.find('?') != std::string::npos) again += "?" + parsed->query;
  const Result<http::DataTarget> reparsed = http::ParseDataTarget(again);
  DDS_CHECK(reparsed.ok() && reparsed->path == parsed->path &&
            reparsed->directory == parsed->directory && reparsed->query == parsed->query);
  Result<std::optional<std::string>> format = http::QueryParam(parsed->query, "format");
  if (format.ok() && format->has_value()) CheckEncodedQuery(**format);
}

}  // namespace
}  // namespace dds::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.starts_with('r')) {
    dds::fuzz::CheckRanges(input.substr(1));
  } else {
    dds::fuzz::CheckTarget(input);
  }
  return 0;
}
