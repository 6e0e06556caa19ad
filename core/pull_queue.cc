// The pull queue; see pull_queue.h.
#include "core/pull_queue.h"

#include "core/check.h"
#include "core/entry.h"

namespace dds {

bool PullQueue::Small(uint64_t size) { return size <= kChunkBytes; }

void PullQueue::Want(const std::string& path, uint64_t size, bool pushed) {
  Unwant(path);
  (Small(size) ? small_ : large_).insert_or_assign(path, Wanted{size, pushed});
}

void PullQueue::Unwant(const std::string& path) {
  small_.erase(path);
  large_.erase(path);
}

std::optional<PullQueue::Next> PullQueue::Take() {
  if (!large_.empty() && large_running_ < limits_.large) {
    auto it = large_.begin();
    Next next{it->first, it->second.pushed};
    large_.erase(it);
    return next;
  }
  if (!small_.empty() && small_running_ < limits_.small) {
    auto it = small_.begin();
    // A file that would take the bytes past the bound waits, unless nothing
    // small is running (so one file never waits for ever).
    if (small_running_ > 0 &&
        small_running_bytes_ + it->second.size > limits_.small_bytes)
      return std::nullopt;
    Next next{it->first, it->second.pushed};
    small_.erase(it);
    return next;
  }
  return std::nullopt;
}

void PullQueue::Started(uint64_t size) {
  if (Small(size)) {
    small_running_ += 1;
    small_running_bytes_ += size;
  } else {
    large_running_ += 1;
  }
}

void PullQueue::Stopped(uint64_t size) {
  if (Small(size)) {
    DDS_CHECK(small_running_ > 0 && small_running_bytes_ >= size);
    small_running_ -= 1;
    small_running_bytes_ -= size;
  } else {
    DDS_CHECK(large_running_ > 0);
    large_running_ -= 1;
  }
}

}  // namespace dds
