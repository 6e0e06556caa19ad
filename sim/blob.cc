// Content blobs and their SHA-256; see blob.h.
#include "sim/blob.h"

#include <openssl/evp.h>

#include <algorithm>
#include <iterator>
#include <utility>

#include "core/check.h"

namespace dds::sim {

Digest Sha256(std::string_view bytes) {
  // Fetched once: EVP_sha256() would make OpenSSL 3 look the algorithm up in
  // its provider tables on every call, which costs more than hashing 1 KiB.
  static const EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  Digest digest;
  unsigned int length = 0;
  int ok = EVP_Digest(bytes.data(), bytes.size(), digest.bytes.data(), &length, kSha256,
                      nullptr);
  DDS_CHECK(ok == 1 && length == digest.bytes.size());
  (void)ok;
  return digest;
}

std::vector<Digest> ChunkDigests(std::string_view bytes) {
  std::vector<Digest> chunks;
  if (ChunkCount(bytes.size()) <= 1) return chunks;
  for (uint64_t offset = 0; offset < bytes.size(); offset += kChunkBytes) {
    chunks.push_back(Sha256(bytes.substr(offset, kChunkBytes)));
  }
  return chunks;
}

BlobRef BlobPool::Intern(std::string bytes) {
  Digest digest = Sha256(bytes);
  return Intern(std::move(bytes), digest);
}

BlobRef BlobPool::Intern(std::string bytes, const Digest& digest) {
  auto [it, inserted] = blobs_.try_emplace(digest);
  if (!inserted) {
    if (BlobRef existing = it->second.lock()) return existing;
  }
  std::vector<Digest> chunks = ChunkDigests(bytes);
  auto blob =
      std::make_shared<const Blob>(Blob{std::move(bytes), digest, std::move(chunks)});
  it->second = blob;
  if (blobs_.size() >= sweep_at_) DropExpired();
  return blob;
}

void BlobPool::DropExpired() {
  std::erase_if(blobs_, [](const auto& kv) { return kv.second.expired(); });
  sweep_at_ = std::max<size_t>(1024, blobs_.size() * 2);
}

}  // namespace dds::sim
