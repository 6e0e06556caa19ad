// The scrub's cost model, in one place: the node's scrub spends its budget
// by it (core/node_disk.cc), and the simulator's liveness bound, the
// documented detection time and the benchmarks compute a pass's length from
// it, so they cannot drift apart.
#pragma once

#include <algorithm>
#include <cstdint>

#include "core/types.h"

namespace dds {

// What scrubbing one file costs at least, in bytes of budget: opening and
// reading a file is not free, however small it is.
inline constexpr uint64_t kScrubFileCost = 64 << 10;

// The budget one file of `size` bytes costs.
inline uint64_t ScrubCost(uint64_t size) { return std::max(size, kScrubFileCost); }

// The scrub's budget per tick at `rate` bytes/s with a tick every `interval`.
inline int64_t ScrubBudgetPerTick(uint64_t rate, Duration interval) {
  return static_cast<int64_t>(rate * static_cast<uint64_t>(interval.count()) / 1000000);
}

// The longest a scrub pass over files costing `cost` in all (the sum of
// their ScrubCost) can take, at `rate` bytes/s with a tick every `interval`:
// the cost in ticks' budgets, plus the tick in which the pass starts. A
// corruption is found within one pass of happening.
// REQUIRES: rate > 0.
Duration ScrubPassDuration(uint64_t cost, uint64_t rate, Duration interval);

}  // namespace dds
