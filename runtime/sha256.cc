// SHA-256 and the file digest; see sha256.h.
#include "runtime/sha256.h"

#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <vector>

namespace dds {

void Sha256::CtxFree::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

namespace {

// Fetched once: EVP_sha256() makes OpenSSL 3 look the algorithm up in its
// provider tables on every call, which costs more than hashing 1 KiB.
const EVP_MD* Sha256Method() {
  static const EVP_MD* const method = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (method == nullptr) throw std::runtime_error("SHA-256 unavailable in OpenSSL");
  return method;
}

void Init(evp_md_ctx_st* ctx) {
  if (EVP_DigestInit_ex(ctx, Sha256Method(), nullptr) != 1)
    throw std::runtime_error("SHA-256 unavailable in OpenSSL");
}

}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  // Only allocation can fail here; treat it like any other out-of-memory.
  if (!ctx_) throw std::bad_alloc();
  Init(ctx_.get());
}

Sha256::~Sha256() = default;

void Sha256::Update(std::string_view data) {
  EVP_DigestUpdate(ctx_.get(), data.data(), data.size());
}

Digest Sha256::Finish() {
  Digest digest;
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx_.get(), digest.bytes.data(), &length);
  Init(ctx_.get());
  return digest;
}

Digest Sha256Of(std::string_view bytes) {
  Digest digest;
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.bytes.data(), &length, Sha256Method(),
                 nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return digest;
}

Digest DigestOfChunks(const std::vector<Digest>& chunks) {
  Sha256 sha;
  for (const Digest& chunk : chunks) {
    sha.Update(std::string_view(reinterpret_cast<const char*>(chunk.bytes.data()),
                                chunk.bytes.size()));
  }
  return sha.Finish();
}

void FileHasher::Update(std::string_view data) {
  while (!data.empty()) {
    const size_t take =
        static_cast<size_t>(std::min<uint64_t>(data.size(), kChunkBytes - in_chunk_));
    chunk_.Update(data.substr(0, take));
    data.remove_prefix(take);
    in_chunk_ += take;
    if (in_chunk_ == kChunkBytes) {
      chunks_.push_back(chunk_.Finish());
      in_chunk_ = 0;
    }
  }
}

FileDigest FileHasher::Finish() {
  // An empty file is one empty chunk; a partial last chunk counts as one.
  if (in_chunk_ > 0 || chunks_.empty()) chunks_.push_back(chunk_.Finish());
  in_chunk_ = 0;
  FileDigest digest;
  if (chunks_.size() == 1) {
    digest.whole = chunks_.front();
  } else {
    digest.whole = DigestOfChunks(chunks_);
    digest.chunks = std::move(chunks_);
  }
  chunks_.clear();
  return digest;
}

FileDigest DigestOf(std::string_view bytes) {
  FileHasher hasher;
  hasher.Update(bytes);
  return hasher.Finish();
}

namespace {

constexpr size_t kBufferBytes = 256 << 10;
constexpr size_t kMinBufferBytes = 4096;

// Reads [offset, offset + length) in buffer-sized pieces, handing each to
// `sink`; stops early at end of file. Returns the bytes read. `expected` is
// how much there is likely to be: a small file gets a small buffer (most
// files are small, and a large buffer is a fresh mmap and page faults for
// each), left uninitialised, since pread fills it.
// A set `stop` ends it early with an error (the process is stopping).
template <typename Sink>
Result<uint64_t> Stream(int fd, uint64_t offset, uint64_t length, uint64_t expected,
                        Sink&& sink, const std::atomic<bool>* stop = nullptr) {
  const size_t size = static_cast<size_t>(
      std::clamp<uint64_t>(std::min(length, expected), kMinBufferBytes, kBufferBytes));
  const auto buffer = std::make_unique_for_overwrite<char[]>(size);
  uint64_t done = 0;
  while (done < length) {
    if (stop != nullptr && stop->load(std::memory_order_relaxed))
      return Status::IOError("stopped");
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

Result<FileDigest> HashFile(int fd, const std::atomic<bool>* stop) {
  FileHasher hasher;
  struct stat st {};
  // A file that grows while it is read is still read whole, in more pieces.
  const uint64_t expected =
      ::fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) + 1 : 0;
  auto read = Stream(
      fd, 0, UINT64_MAX, expected, [&](std::string_view data) { hasher.Update(data); },
      stop);
  if (!read.ok()) return read.status();
  return hasher.Finish();
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
