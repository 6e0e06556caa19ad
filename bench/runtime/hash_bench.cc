// HashFile, run on every new or changed file, against OpenSSL's SHA-256 of
// the same bytes in one call (what `openssl speed -evp sha256` measures):
// the ratio of their throughputs is the price of dds's digest scheme
// (core/entry.h, FileDigest). The file is a 64 MiB temp file, in the page
// cache after the first pass, so the disk is not measured. Run with
// --benchmark_enable_random_interleaving=true to alternate the two.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "core/random.h"
#include "runtime/sha256.h"
#include "runtime/unique_fd.h"

namespace dds {
namespace {

constexpr size_t kFileBytes = 64 << 20;

// The bytes and a file holding them, made once.
struct Sample {
  std::string bytes;
  std::string path;
  Sample() {
    SplitMix64 random(42);
    bytes.resize(kFileBytes);
    for (size_t i = 0; i < bytes.size(); i += 8) {
      const uint64_t v = random.Next();
      bytes.replace(i, 8, reinterpret_cast<const char*>(&v), 8);
    }
    char name[] = "/tmp/dds-hash-bench-XXXXXX";
    UniqueFd fd(::mkstemp(name));
    path = name;
    if (!fd.valid() || ::write(fd.get(), bytes.data(), bytes.size()) !=
                           static_cast<ssize_t>(bytes.size())) {
      std::abort();
    }
  }
  ~Sample() { ::unlink(path.c_str()); }
};

const Sample& TheSample() {
  static const Sample sample;
  return sample;
}

void BM_OpenSslSha256(benchmark::State& state) {
  const std::string& bytes = TheSample().bytes;
  const EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  for (auto _ : state) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(bytes.data(), bytes.size(), digest, &length, sha256, nullptr);
    benchmark::DoNotOptimize(digest);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_OpenSslSha256)->Unit(benchmark::kMillisecond);

void BM_HashFile(benchmark::State& state) {
  const Sample& sample = TheSample();
  UniqueFd fd(::open(sample.path.c_str(), O_RDONLY | O_CLOEXEC));
  for (auto _ : state) {
    Result<FileDigest> digest = HashFile(fd.get());
    if (!digest.ok()) state.SkipWithError(digest.status().ToString().c_str());
    benchmark::DoNotOptimize(digest);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * sample.bytes.size()));
}
BENCHMARK(BM_HashFile)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace dds

BENCHMARK_MAIN();
