// CopyCatalog, what the leader does for a master behind the log
// (runtime/catalog_copy.h), on a database of N catalog-like rows (keys of
// about 30 bytes, values of 120), against a plain copy of the same file
// with copy_file_range: the ratio is what the online backup costs over the
// disk's own floor. The database stays in the page cache after the first
// pass. Run with --benchmark_enable_random_interleaving=true to alternate.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "core/meta_log.h"
#include "runtime/catalog_copy.h"
#include "runtime/sqlite_meta_store.h"
#include "runtime/unique_fd.h"

namespace dds {
namespace {

// The state dirs made, by size; removed at exit.
struct StateDirs {
  std::map<int64_t, std::string> by_rows;
  ~StateDirs() {
    for (const auto& [rows, dir] : by_rows) std::filesystem::remove_all(dir);
  }
};

// A state dir with a master.db of `rows` rows, made once per size.
const std::string& StateDir(int64_t rows) {
  static StateDirs made;
  std::map<int64_t, std::string>& dirs = made.by_rows;
  auto it = dirs.find(rows);
  if (it != dirs.end()) return it->second;
  char name[] = "/tmp/dds-copy-bench-XXXXXX";
  if (::mkdtemp(name) == nullptr) std::abort();
  auto store = SqliteMetaStore::Open(std::string(name) + "/master.db");
  if (!store.ok()) std::abort();
  const std::string value(120, 'v');
  char key[64];
  for (int64_t i = 0; i < rows; ++i) {
    std::snprintf(key, sizeof key, "catalog/data/d%03lld/f%07lld.bin",
                  static_cast<long long>(i % 1000), static_cast<long long>(i));
    if (!(*store)->Put(key, value).ok()) std::abort();
    if (i % 100000 == 99999 && !(*store)->Commit().ok()) std::abort();
  }
  if (!SaveApplied(**store, 1).ok() || !(*store)->Commit().ok()) std::abort();
  return dirs.emplace(rows, name).first->second;
}

void BM_CopyCatalog(benchmark::State& state) {
  const std::string& dir = StateDir(state.range(0));
  uint64_t bytes = 0;
  for (auto _ : state) {
    auto copy = CopyCatalog(dir + "/master.db", dir);
    if (!copy.ok()) state.SkipWithError(copy.status().ToString().c_str());
    bytes = copy->second;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes) * state.iterations());
  state.counters["db_MiB"] = static_cast<double>(bytes) / (1 << 20);
}

void BM_PlainFileCopy(benchmark::State& state) {
  const std::string& dir = StateDir(state.range(0));
  const std::string db = dir + "/master.db";
  const uint64_t size = std::filesystem::file_size(db);
  for (auto _ : state) {
    UniqueFd in(::open(db.c_str(), O_RDONLY | O_CLOEXEC));
    std::string name = dir + "/plain-XXXXXX";
    UniqueFd out(::mkostemp(name.data(), O_CLOEXEC));
    ::unlink(name.c_str());
    for (uint64_t left = size; left > 0;) {
      const ssize_t n = ::copy_file_range(in.get(), nullptr, out.get(), nullptr, left, 0);
      if (n <= 0) {
        state.SkipWithError("copy_file_range failed");
        break;
      }
      left -= static_cast<uint64_t>(n);
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(size) * state.iterations());
}

BENCHMARK(BM_CopyCatalog)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PlainFileCopy)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace dds

BENCHMARK_MAIN();
