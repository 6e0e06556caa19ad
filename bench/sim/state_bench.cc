// Memory per file of the master's and a node's state machines, in process,
// at a million files (issue goal: at most 300 B a file each, with 5 nodes).
//
// Method: the heap in use (mallinfo2) before and after building the state,
// over an Env whose MetaStore keeps nothing (so only the state machine's own
// memory counts) and whose outbox flushes are run at once. The master
// records `files` changes from n1 (in batches, as a burst of writes would
// come), then four more nodes register holding everything, and every node
// settles its decisions. The node loads `files` catalog entries and as many
// held files from its durable state and scans a disk that agrees with them:
// what remains is its index. Reported as counters: bytes_per_file, and the
// wall time of the build.
//
// Run: build/release/bench/sim/state_bench (--benchmark_filter=Master, ...).
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/holdings.h"
#include "core/master.h"
#include "core/node.h"
#include "core/wire.h"

namespace dds {
namespace {

size_t HeapInUse() { return mallinfo2().uordblks; }

std::string PathOf(uint64_t i) {
  char path[40];
  std::snprintf(path, sizeof(path), "data/d%04llu/f%07llu.bin",
                static_cast<unsigned long long>(i % 1000),
                static_cast<unsigned long long>(i));
  return path;
}

Digest DigestOf(uint64_t i) {
  Digest d;
  for (size_t b = 0; b < d.bytes.size(); ++b)
    d.bytes[b] = static_cast<uint8_t>(i >> (b % 8));
  d.bytes[31] = static_cast<uint8_t>(i * 7);
  return d;
}

// Keeps nothing; answers scans from `records` (the node's durable state).
class ForgetfulMeta final : public MetaStore {
 public:
  Status Put(std::string_view, std::string_view) override { return Status::Ok(); }
  Status Delete(std::string_view) override { return Status::Ok(); }
  Status Get(std::string_view key, std::string*) override {
    return Status::NotFound(std::string(key));
  }
  Status Scan(std::string_view prefix, const Visitor& visit) override {
    for (auto it = records.lower_bound(std::string(prefix));
         it != records.end() && std::string_view(it->first).starts_with(prefix); ++it) {
      visit(it->first, it->second);
    }
    return Status::Ok();
  }
  std::map<std::string, std::string> records;
};

// A disk that lists files and serves nothing else (the node's index agrees
// with it, so nothing is hashed).
class ListedDisk final : public FileStore {
 public:
  Status List(const std::string& after, size_t max,
              std::vector<FileInfo>* files) override {
    files->clear();
    auto it = std::upper_bound(
        listed.begin(), listed.end(), after,
        [](const std::string& a, const FileInfo& f) { return a < f.path; });
    for (; it != listed.end() && files->size() < max; ++it) files->push_back(*it);
    return Status::Ok();
  }
  Result<FileInfo> Stat(const std::string& path) override {
    return Status::NotFound(path);
  }
  Result<FileDigest> Hash(const std::string& path) override {
    return Status::NotFound(path);
  }
  void HashInBackground(const std::string& path, HashDone done) override {
    done(Status::NotFound(path));  // never asked: nothing is hashed
  }
  Result<Digest> HashFileRange(const std::string& path, uint64_t, uint64_t) override {
    return Status::NotFound(path);
  }
  Result<std::string> Read(const std::string& path, uint64_t, uint64_t) override {
    return Status::NotFound(path);
  }
  Status Remove(const std::string&) override { return Status::Ok(); }
  Result<uint64_t> BeginStage(const std::string&) override {
    return Status::IOError("no stages");
  }
  Result<Digest> WriteStage(const std::string&, uint64_t, std::string_view) override {
    return Status::IOError("no stages");
  }
  Status CopyToStage(const std::string&, const std::string&) override {
    return Status::IOError("no stages");
  }
  Status MoveToStage(const std::string&, const std::string&) override {
    return Status::IOError("no stages");
  }
  Result<Digest> HashStageRange(const std::string& stage, uint64_t, uint64_t) override {
    return Status::NotFound(stage);
  }
  Result<Digest> HashStage(const std::string& stage) override {
    return Status::NotFound(stage);
  }
  void HashStageInBackground(const std::string& stage, HashDone done) override {
    done(Status::NotFound(stage));  // never asked: no stages
  }
  void CopyToStageInBackground(const std::string&, const std::string& stage,
                               HashDone done) override {
    done(Status::NotFound(stage));  // never asked: no stages
  }
  Status ListStages(std::vector<std::string>* stages) override {
    stages->clear();
    return Status::Ok();
  }
  Result<FileInfo> Publish(const std::string&, const std::string& path) override {
    return Status::IOError(path);
  }
  void DiscardStage(const std::string&) override {}
  std::vector<FileInfo> listed;
};

class BenchEnv final : public Env {
 public:
  Instant Now() const override { return Instant{}; }
  void SetTimer(TimerId id, Duration delay) override {
    if (delay == Duration(0)) due.insert(id);
  }
  void CancelTimer(TimerId id) override { due.erase(id); }
  void Send(const Address&, const Message&) override {}
  FileStore& Files() override { return disk; }
  MetaStore& Meta() override { return meta; }
  uint64_t Random() override { return random += 0x9e3779b97f4a7c15ull; }
  void Note(std::string_view) override {}
  // Runs the zero-delay timers (the outbox) of `process`.
  void Pump(Process& process) {
    while (!due.empty()) {
      TimerId id = *due.begin();
      due.erase(due.begin());
      process.OnTimer(id);
    }
  }

  ForgetfulMeta meta;
  ListedDisk disk;
  std::set<TimerId> due;
  uint64_t random = 1;
};

void BM_MasterMemory(benchmark::State& state) {
  const uint64_t files = static_cast<uint64_t>(state.range(0));
  const std::vector<std::string> nodes = {"n1", "n2", "n3", "n4", "n5"};
  for (auto _ : state) {
    BenchEnv env;
    const size_t before = HeapInUse();
    {
      Master master(&env, MasterOptions{});
      master.Start();
      for (const std::string& n : nodes) master.OnMessage(n, Register{n, "", {}, {}});
      for (uint64_t first = 0; first < files; first += 1000) {
        Changes batch{"n1", {}};
        for (uint64_t i = first; i < std::min(files, first + 1000); ++i)
          batch.items.push_back(Change{i + 1, PathOf(i), 0, DigestOf(i), 4096, 0, {}});
        master.OnMessage("n1", batch);
        env.Pump(master);
      }
      // Everyone holds everything and has settled every change.
      BucketSums all;
      for (const Catalog::Slot& slot : master.catalog().slots())
        all.Add(BucketOf(slot.path), Catalog::Mix(slot.path, slot.version, slot.hash), 1);
      for (const std::string& n : nodes) {
        master.OnMessage(n, Register{n, "", master.head(), all.NonEmpty()});
        master.OnMessage(n,
                         Heartbeat{n, master.head(), files, all.digest(), 0, files + 1});
        env.Pump(master);
      }
      if (!master.Converged()) state.SkipWithError("not converged");
      const size_t after = HeapInUse();
      state.counters["bytes_per_file"] =
          static_cast<double>(after - before) / static_cast<double>(files);
    }
  }
}
BENCHMARK(BM_MasterMemory)->Arg(1000000)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_NodeMemory(benchmark::State& state) {
  const uint64_t files = static_cast<uint64_t>(state.range(0));
  for (auto _ : state) {
    BenchEnv env;
    for (uint64_t i = 0; i < files; ++i) {
      CatalogEntry e{PathOf(i), 1, DigestOf(i), 4096, false, "n1", 0, {}, 0, i + 1};
      env.meta.records["catalog/" + e.path] = EncodeRecord(e);
      env.meta.records["local/" + e.path] =
          EncodeRecord(NodeIndex::Local{1, e.hash, 4096, 77, true, {}, 0});
      env.disk.listed.push_back(FileInfo{e.path, 4096, 77});
    }
    std::sort(env.disk.listed.begin(), env.disk.listed.end(),
              [](const FileInfo& a, const FileInfo& b) { return a.path < b.path; });
    NodeOptions options;
    options.name = "n2";
    options.masters = {"master"};
    const size_t before = HeapInUse();
    {
      Node node(&env, options);
      node.Start();
      env.Pump(node);
      if (node.held_files() != files)
        state.SkipWithError("index does not hold every file");
      const size_t after = HeapInUse();
      state.counters["bytes_per_file"] =
          static_cast<double>(after - before) / static_cast<double>(files);
    }
  }
}
BENCHMARK(BM_NodeMemory)->Arg(1000000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace dds

BENCHMARK_MAIN();
