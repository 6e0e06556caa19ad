// SHA-256 through OpenSSL's EVP interface; see sha256.h.
#include "runtime/sha256.h"

#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

namespace dds {

void Sha256::CtxFree::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  // Only allocation can fail here; treat it like any other out-of-memory.
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 unavailable in OpenSSL");
  }
}

Sha256::~Sha256() = default;

void Sha256::Update(std::string_view data) {
  EVP_DigestUpdate(ctx_.get(), data.data(), data.size());
}

Digest Sha256::Finish() {
  Digest digest;
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx_.get(), digest.bytes.data(), &length);
  return digest;
}

namespace {

constexpr size_t kBufferBytes = 256 << 10;
constexpr size_t kMinBufferBytes = 4096;
static_assert(kChunkBytes % kBufferBytes == 0, "a buffer never straddles two chunks");

// Reads [offset, offset + length) in buffer-sized pieces, handing each to
// `sink`; stops early at end of file. Returns the bytes read. `expected` is
// how much there is likely to be: a small file gets a small buffer (most
// files are small, and a large buffer is a fresh mmap and page faults for
// each), left uninitialised, since pread fills it.
template <typename Sink>
Result<uint64_t> Stream(int fd, uint64_t offset, uint64_t length, uint64_t expected,
                        Sink&& sink) {
  const size_t size = static_cast<size_t>(
      std::clamp<uint64_t>(std::min(length, expected), kMinBufferBytes, kBufferBytes));
  const auto buffer = std::make_unique_for_overwrite<char[]>(size);
  uint64_t done = 0;
  while (done < length) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(size, length - done));
    const ssize_t n = ::pread(fd, buffer.get(), want, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError(std::string("read: ") + std::strerror(errno));
    if (n == 0) break;
    sink(std::string_view(buffer.get(), static_cast<size_t>(n)));
    done += static_cast<uint64_t>(n);
  }
  return done;
}

}  // namespace

Result<FileDigest> HashFile(int fd) {
  Sha256 whole;
  auto chunk = std::make_unique<Sha256>();
  std::vector<Digest> chunks;
  uint64_t in_chunk = 0;
  struct stat st {};
  // A file that grows while it is read is still read whole, in more pieces.
  const uint64_t expected =
      ::fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) + 1 : 0;
  auto read = Stream(fd, 0, UINT64_MAX, expected, [&](std::string_view data) {
    whole.Update(data);
    chunk->Update(data);
    in_chunk += data.size();
    if (in_chunk == kChunkBytes) {
      chunks.push_back(chunk->Finish());
      chunk = std::make_unique<Sha256>();
      in_chunk = 0;
    }
  });
  if (!read.ok()) return read.status();
  if (in_chunk > 0) chunks.push_back(chunk->Finish());
  FileDigest digest;
  digest.whole = whole.Finish();
  // Per-chunk digests only for files of more than one chunk (core/entry.h).
  if (chunks.size() > 1) digest.chunks = std::move(chunks);
  return digest;
}

Result<Digest> HashRange(int fd, uint64_t offset, uint64_t length) {
  Sha256 sha;
  auto read = Stream(fd, offset, length, length,
                     [&](std::string_view data) { sha.Update(data); });
  if (!read.ok()) return read.status();
  if (*read < length) return Status::NotFound("shorter than the range to hash");
  return sha.Finish();
}

}  // namespace dds
