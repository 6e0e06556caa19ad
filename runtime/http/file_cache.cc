// The per-thread cache of servable files (see file_cache.h).
#include "runtime/http/file_cache.h"

#include <utility>

namespace dds::http {

std::shared_ptr<const ServableFile> ServedFileCache::Find(const std::string& path,
                                                          uint64_t epoch) {
  Expire(epoch);
  const auto it = files_.find(path);
  return it == files_.end() ? nullptr : it->second;
}

void ServedFileCache::Put(const std::string& path, uint64_t epoch,
                          std::shared_ptr<const ServableFile> file) {
  if (epoch < epoch_) return;
  Expire(epoch);
  // Full: start over rather than track use; a working set larger than the
  // cache costs a lookup on the core per request, as without one.
  if (files_.size() >= capacity_) files_.clear();
  if (capacity_ > 0) files_[path] = std::move(file);
}

void ServedFileCache::Expire(uint64_t epoch) {
  if (epoch == epoch_) return;
  files_.clear();
  epoch_ = epoch;
}

}  // namespace dds::http
