// Determinism check (ddsim --check-determinism): runs a seed twice and compares the two
// traces byte for byte. The simulator promises a byte-identical trace for the same
// scenario and seed; a difference means state that outlives a run, the wall
// clock, an unordered container's order or the like has leaked into it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sim/scenario.h"

namespace dds::sim {

struct TraceDifference {
  uint64_t line = 0;   // 1-based
  std::string first;   // that line in the first trace ("<end>" past its end)
  std::string second;  // and in the second
};

// The first line at which `a` and `b` differ; nullopt if they are equal.
std::optional<TraceDifference> FirstDifference(std::string_view a, std::string_view b);

struct DeterminismCheck {
  uint64_t trace_lines = 0;  // of the first run
  std::optional<TraceDifference> difference;
};

// Runs `scenario` at `seed` twice, tracing each run in memory.
DeterminismCheck CheckDeterminism(const Scenario& scenario, uint64_t seed);

// "seed 7: deterministic (1234 trace lines)", or the difference on three
// lines.
std::string DescribeCheck(uint64_t seed, const DeterminismCheck& check);

}  // namespace dds::sim
