// Content blobs and their digests; see blob.h.
#include "sim/blob.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace dds::sim {

BlobRef BlobPool::Intern(std::string bytes) {
  FileDigest digest = DigestOf(bytes);
  if (BlobRef existing = Find(digest.whole)) return existing;
  return Add(std::move(bytes), std::move(digest));
}

BlobRef BlobPool::Intern(std::string bytes, const Digest& whole) {
  if (BlobRef existing = Find(whole)) return existing;
  // A file of one chunk has no chunk digests (core/entry.h): nothing to hash.
  FileDigest digest{whole, {}};
  if (ChunkCount(bytes.size()) > 1) digest = DigestOf(bytes);
  return Add(std::move(bytes), std::move(digest));
}

BlobRef BlobPool::Find(const Digest& whole) const {
  auto it = blobs_.find(whole);
  return it == blobs_.end() ? nullptr : it->second.lock();
}

BlobRef BlobPool::Add(std::string bytes, FileDigest digest) {
  auto blob = std::make_shared<const Blob>(
      Blob{std::move(bytes), digest.whole, std::move(digest.chunks)});
  blobs_.insert_or_assign(blob->digest, blob);
  if (blobs_.size() >= sweep_at_) DropExpired();
  return blob;
}

void BlobPool::DropExpired() {
  std::erase_if(blobs_, [](const auto& kv) { return kv.second.expired(); });
  sweep_at_ = std::max<size_t>(1024, blobs_.size() * 2);
}

}  // namespace dds::sim
