// The scan's walk: the safety net for missed file events. A pass lists the
// data dir in path order, a page a tick, and compares each page with the
// index to find the recorded files gone from the disk.
//
// A pass starts at most once per interval, or at the next tick after file
// events were lost, and lists `files_per_second` a second, so its cost is
// spread like the scrub's. The start-up pass runs whole, outside the ticks.
// What to do with the files listed and the ones missing is the node's
// (core/node_disk.cc).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/env.h"
#include "core/node_index.h"
#include "core/types.h"

namespace dds {

class DiskScan {
 public:
  DiskScan(Duration interval, uint64_t files_per_second, Duration tick);

  // Files to list at this tick; 0 when no pass is under way or due.
  size_t Due(Instant now);
  // Events were lost: a pass starts at the next tick.
  void ScanSoon() { soon_ = true; }
  // A whole pass is about to run at once, outside the ticks, at `now`.
  void BeginWholePass(Instant now);

  // The page to list starts after this path ("": from the start).
  const std::string& cursor() const { return cursor_; }
  // `files` were listed after cursor(), `asked` at most: returns the paths
  // recorded in `index` with a local copy in the page's range but not
  // listed, and moves the cursor past the page. The pass is over when the
  // listing came up short (then cursor() is "").
  std::vector<std::string> Walk(const NodeIndex& index,
                                const std::vector<FileInfo>& files, size_t asked);
  // The listing failed: the pass ends here.
  void Abort() { cursor_.clear(); }

 private:
  const Duration interval_;
  const size_t per_tick_;
  std::string cursor_;  // last path listed; "": between passes
  Instant started_{};   // when the current (or last) pass began
  bool soon_ = false;
};

}  // namespace dds
