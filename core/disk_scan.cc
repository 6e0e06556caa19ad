// The scan's walk (core/disk_scan.h).
#include "core/disk_scan.h"

#include <algorithm>

namespace dds {

DiskScan::DiskScan(Duration interval, uint64_t files_per_second, Duration tick)
    : interval_(interval),
      per_tick_(std::max<uint64_t>(
          1, files_per_second * static_cast<uint64_t>(tick.count()) / 1000000)) {}

size_t DiskScan::Due(Instant now) {
  if (cursor_.empty() && !soon_ && now - started_ < interval_) return 0;
  soon_ = false;
  if (cursor_.empty()) started_ = now;
  return per_tick_;
}

void DiskScan::BeginWholePass(Instant now) {
  cursor_.clear();
  started_ = now;
}

std::vector<std::string> DiskScan::Walk(const NodeIndex& index,
                                        const std::vector<FileInfo>& files,
                                        size_t asked) {
  const bool end = files.size() < asked;
  // The page covers paths after the cursor, up to its last one (or all the
  // rest at the end). The listing and the index are both in path order: one
  // walk over the two finds the recorded files gone from the disk.
  std::vector<std::string> missing;
  const NodeIndex::Slots& slots = index.slots();
  auto slot = slots.upper_bound(std::string_view(cursor_));
  auto before_page_end = [&](const NodeIndex::Slot& x) {
    return end || x.path() <= files.back().path;
  };
  for (const FileInfo& info : files) {
    for (; slot != slots.end() && slot->path() < info.path; ++slot) {
      if (slot->has_local()) missing.emplace_back(slot->path());
    }
    if (slot != slots.end() && slot->path() == info.path) ++slot;
  }
  for (; slot != slots.end() && before_page_end(*slot); ++slot) {
    if (slot->has_local()) missing.emplace_back(slot->path());
  }
  cursor_ = end ? std::string() : files.back().path;
  return missing;
}

}  // namespace dds
