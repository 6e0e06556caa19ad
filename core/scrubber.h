// The scrub's walk: which recorded files a node re-hashes at each tick to
// find silent corruption, at a bounded rate.
//
// A token bucket: each tick adds the interval's share of the rate (capped at
// one second's worth), and each file costs ScrubCost (core/scrub.h). A file
// larger than the balance is still hashed when the balance is positive, and
// the debt is paid by the ticks that follow, so the average rate holds for
// any mix of file sizes. The walk goes through the index in path order from
// where the last tick stopped, wrapping round, visiting at most one whole
// pass a tick; only files the node holds (verified and recorded) count.
// What to do with a file is the node's (core/node_disk.cc, ScrubFile).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/node_index.h"
#include "core/scrub.h"
#include "core/types.h"

namespace dds {

class Scrubber {
 public:
  Scrubber(uint64_t bytes_per_second, Duration interval)
      : rate_(bytes_per_second),
        per_tick_(ScrubBudgetPerTick(bytes_per_second, interval)) {}

  // One tick: calls `verify(path, local)` for each file the budget covers.
  // `verify` may change the index; the walk finds its place again by path.
  template <typename Verify>
  void Tick(const NodeIndex& index, Verify&& verify) {
    balance_ = std::min(balance_ + per_tick_, static_cast<int64_t>(rate_));
    const NodeIndex::Slots& slots = index.slots();
    const size_t visits = slots.size();
    for (size_t visited = 0; visited < visits && balance_ > 0; ++visited) {
      auto it = slots.upper_bound(std::string_view(cursor_));
      if (it == slots.end()) it = slots.begin();
      cursor_.assign(it->path());
      if (!it->held()) continue;
      const NodeIndex::Local local = index.LocalOf(*it);
      balance_ -= static_cast<int64_t>(ScrubCost(local.size));
      verify(cursor_, local);
    }
  }

  // The last path visited ("" before the first).
  const std::string& cursor() const { return cursor_; }
  // Bytes the scrub may still read; negative: a debt the next ticks pay.
  int64_t balance() const { return balance_; }

 private:
  const uint64_t rate_;
  const int64_t per_tick_;
  std::string cursor_;
  int64_t balance_ = 0;
};

}  // namespace dds
