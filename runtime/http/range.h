// The HTTP Range header (RFC 9110 section 14), single byte ranges only.
//
// A syntactically invalid header or a multi-range request is ignored (the
// whole file is sent, which RFC 9110 allows); a valid range that starts past
// the end is unsatisfiable (416).
#pragma once

#include <cstdint>
#include <string_view>

namespace dds::http {

struct ByteRange {
  uint64_t first = 0;
  uint64_t length = 0;
};

struct RangeRequest {
  enum class Kind { kWhole, kPartial, kUnsatisfiable };
  Kind kind = Kind::kWhole;
  ByteRange range;  // meaningful iff kind == kPartial
};

// `header` is the Range value ("bytes=0-99", "bytes=100-", "bytes=-500");
// `size` is the file size in bytes.
RangeRequest ParseRange(std::string_view header, uint64_t size);

}  // namespace dds::http
