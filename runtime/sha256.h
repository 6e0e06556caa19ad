// Streaming SHA-256 (OpenSSL EVP), producing the core's Digest and FileDigest.
#pragma once

#include <memory>
#include <string_view>

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
  Digest Finish();

 private:
  struct CtxFree {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, CtxFree> ctx_;
};

// The digest of the whole file at `fd` and, when it has more than one
// kChunkBytes chunk, of every chunk, in one streaming pass.
Result<FileDigest> HashFile(int fd);
// The digest of bytes [offset, offset + length) of `fd`; NotFound if the file
// is shorter than that.
Result<Digest> HashRange(int fd, uint64_t offset, uint64_t length);

}  // namespace dds
