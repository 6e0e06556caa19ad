// The scrub's walk: which recorded files a node re-hashes at each tick to
// find silent corruption, at a bounded rate.
//
// A token bucket: each tick adds the interval's share of the rate (capped at
// one second's worth), and each step costs its bytes (at least
// kScrubFileCost a file, core/scrub.h). A step is a whole file of at most
// one chunk, or one chunk of a longer file, checked against its chunk
// digest: a large file is scrubbed over many ticks, so no tick reads more
// than a chunk of it. A step larger than the balance is still taken when
// the balance is positive, and the debt is paid by the ticks that follow, so
// the average rate holds for any mix of file sizes. The walk goes through
// the index in path order from where the last tick stopped, wrapping round,
// starting at most one whole pass of files a tick; only files the node holds
// (verified and recorded) count. What to do with a step is the node's
// (core/node_disk.cc, ScrubStep).
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

  // One tick: calls `verify(path, local, offset, length)` for each step the
  // budget covers: bytes [offset, offset + length) of the file, which hash
  // to local.hash (a file of at most one chunk: offset 0, its size) or to
  // local.chunks[offset / kChunkBytes]. `verify` may change the index; the
  // walk finds its place again by path, and a file that changed (another
  // size) or went is left.
  template <typename Verify>
  void Tick(const NodeIndex& index, Verify&& verify) {
    balance_ = std::min(balance_ + per_tick_, static_cast<int64_t>(rate_));
    const NodeIndex::Slots& slots = index.slots();
    const size_t visits = slots.size();
    size_t visited = 0;
    while (balance_ > 0) {
      const NodeIndex::Slot* slot = offset_ > 0 ? index.Find(cursor_) : nullptr;
      if (slot == nullptr || !slot->held() || offset_ >= slot->local_size()) {
        offset_ = 0;
        if (visited++ == visits) break;
        auto it = slots.upper_bound(std::string_view(cursor_));
        if (it == slots.end()) it = slots.begin();
        cursor_.assign(it->path());
        if (!it->held()) continue;
        slot = &*it;
      }
      const NodeIndex::Local local = index.LocalOf(*slot);
      const bool whole = local.chunks.empty();
      const uint64_t length =
          whole ? local.size : std::min(kChunkBytes, local.size - offset_);
      balance_ -= static_cast<int64_t>(whole ? ScrubCost(local.size) : length);
      const uint64_t offset = offset_;
      offset_ = whole ? 0 : offset_ + length;
      verify(cursor_, local, offset, length);
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
  uint64_t offset_ = 0;  // within cursor_'s file, the next chunk's; 0: next file
  int64_t balance_ = 0;
};

}  // namespace dds
