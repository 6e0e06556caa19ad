// SHA-256 through OpenSSL's EVP interface, and dds's file digest built on it
// (core/entry.h, FileDigest): one SHA-256 per kChunkBytes chunk, the whole
// file's digest that of its only chunk or of its chunk digests. The runtime
// and the simulator both hash with this, so they agree on every digest.
#pragma once

#include <atomic>
#include <memory>
#include <string_view>
#include <vector>

#include "core/entry.h"
#include "core/status.h"
#include "core/types.h"

struct evp_md_ctx_st;

namespace dds {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view data);
  // The digest of everything updated since construction or the last Finish;
  // the hasher starts afresh.
  Digest Finish();

 private:
  struct CtxFree {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, CtxFree> ctx_;
};

// The SHA-256 of `bytes`, in one call.
Digest Sha256Of(std::string_view bytes);

// The whole-file digest of a file of more than one chunk: the SHA-256 of its
// chunk digests, in order.
Digest DigestOfChunks(const std::vector<Digest>& chunks);

// A file's FileDigest from its bytes as they stream by, in any pieces: each
// byte is hashed once.
class FileHasher {
 public:
  void Update(std::string_view data);
  FileDigest Finish();

 private:
  Sha256 chunk_;
  uint64_t in_chunk_ = 0;
  std::vector<Digest> chunks_;
};

// The FileDigest of `bytes`, in one call.
FileDigest DigestOf(std::string_view bytes);

// The FileDigest of the file at `fd`, read once from its start to its end;
// an error as soon as `*stop` is set.
Result<FileDigest> HashFile(int fd, const std::atomic<bool>* stop = nullptr);
// The SHA-256 of bytes [offset, offset + length) of `fd` (a chunk, say);
// NotFound if the file is shorter than that.
Result<Digest> HashRange(int fd, uint64_t offset, uint64_t length);

}  // namespace dds
