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
  if (epoch < epoch_ || capacity_ == 0) return;
  Expire(epoch);
  const size_t bytes = file->whole_head.size() +
                       (file->source->content ? file->source->content->size() : 0);
  // Full: start over rather than track use; a working set larger than the
  // cache costs a lookup on the core per request, as without one.
  if (files_.size() >= capacity_ || bytes_ + bytes > kMaxBytes) Clear();
  const auto [it, added] = files_.try_emplace(path, std::move(file));
  if (added) bytes_ += bytes;
}

void ServedFileCache::Expire(uint64_t epoch) {
  if (epoch == epoch_) return;
  Clear();
  epoch_ = epoch;
}

void ServedFileCache::Clear() {
  files_.clear();
  bytes_ = 0;
}

}  // namespace dds::http
