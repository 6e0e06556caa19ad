// Paths with something happening to them (a file event, a change the scan
// found), held until nothing has changed at them for a while. A writer
// still at work, or a file that lives for a moment (an editor's probe, a
// temp name renamed away), is then examined once, when it has settled, not
// at its first byte; and both halves of a rename are examined together, so
// they reach the master together (a move, not a delete and a new file).
//
// Memory: one map node and one queue entry per path touched within the
// quiet time (the queue also keeps a stale entry per extra touch until it
// comes due).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/types.h"

namespace dds {

class SettleQueue {
 public:
  // What a look at a path showed: its size and mtime, or that it is absent.
  struct Look {
    bool present = false;
    uint64_t size = 0;
    int64_t mtime = 0;
    bool operator==(const Look&) const = default;
  };

  explicit SettleQueue(Duration quiet) : quiet_(quiet) {}

  // Something happened at `path`, which looks like `look` now: it is due
  // once `quiet` has passed without another touch.
  void Touch(const std::string& path, const Look& look, Instant now);
  // When the earliest path comes due, if any is waiting.
  std::optional<Instant> NextDue();
  // The paths due at `now`, with the look they were last touched with;
  // they leave the queue.
  std::vector<std::pair<std::string, Look>> TakeDue(Instant now);
  size_t size() const { return waiting_.size(); }
  Duration quiet() const { return quiet_; }
  bool Contains(std::string_view path) const { return waiting_.contains(path); }
  // `path` waits no more (its queue entry goes stale).
  void Erase(std::string_view path) {
    if (auto it = waiting_.find(path); it != waiting_.end()) waiting_.erase(it);
  }

 private:
  struct Wait {
    Look look;
    Instant due{};
  };
  void DropStale();

  const Duration quiet_;
  std::map<std::string, Wait, std::less<>> waiting_;
  std::deque<std::pair<Instant, std::string>> order_;  // by due (the quiet time is fixed)
};

}  // namespace dds
