// The human units scenarios are written in: durations ("250ms", "30s", "2m")
// and sizes ("4KiB", "1MiB"), parsed strictly so a typo is an error, not a
// silently different run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/types.h"

namespace dds::sim {

// "<number><unit>" with unit us, ms, s, m or h; the number may have a
// fraction ("1.5s"). Nothing if malformed, negative or absurdly large.
std::optional<Duration> ParseDuration(std::string_view text);

// "<integer>[unit]" with unit B, KiB, MiB or GiB (none means bytes).
std::optional<uint64_t> ParseSize(std::string_view text);

// Seconds with millisecond precision ("12.345s"), for the timeline.
std::string FormatSeconds(Instant at);
std::string FormatSeconds(Duration d);

// 16 hex digits, as trace digests are shown.
std::string Hex64(uint64_t value);

}  // namespace dds::sim
