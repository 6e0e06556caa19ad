// File content in the simulator: immutable, hashed once, shared.
//
// A 100-node cluster holds the same file 100 times; the simulated disks share
// one Blob per distinct content instead of copying it, and its digest is
// computed once, when the blob is made.
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/entry.h"
#include "core/types.h"
#include "runtime/sha256.h"

namespace dds::sim {

struct Blob {
  std::string bytes;
  Digest digest;               // the file digest of bytes (runtime/sha256.h)
  std::vector<Digest> chunks;  // of every kChunkBytes chunk, if more than one

  FileDigest file_digest() const { return FileDigest{digest, chunks}; }
};
using BlobRef = std::shared_ptr<const Blob>;

// Hands out one shared Blob per distinct content.
class BlobPool {
 public:
  BlobRef Intern(std::string bytes);
  // The same, when the caller has the file digest already.
  // REQUIRES: whole == DigestOf(bytes).whole.
  BlobRef Intern(std::string bytes, const Digest& whole);

 private:
  BlobRef Find(const Digest& whole) const;
  BlobRef Add(std::string bytes, FileDigest digest);
  void DropExpired();

  // Looked up, never walked in an order that matters (DropExpired only
  // erases): hashed, on the digest's leading bytes (SHA-256 is uniform).
  struct DigestHash {
    size_t operator()(const Digest& d) const {
      size_t h = 0;
      std::memcpy(&h, d.bytes.data(), sizeof(h));
      return h;
    }
  };
  std::unordered_map<Digest, std::weak_ptr<const Blob>, DigestHash> blobs_;
  size_t sweep_at_ = 1024;  // pool size at which expired entries are swept
};

}  // namespace dds::sim
