// A node's data directory in memory: dds::FileStore as core/env.h documents
// it, plus the fault hooks scenarios use (write, delete, silent corruption).
//
// The disk belongs to the simulated machine, not to the Node process: it
// survives crashes, and so do its staging areas.
//
// Lost unsynced writes (LoseUnsynced, on a crash with that fault): a
// published file was fsynced before its rename and stays; a stage keeps a
// random prefix of what was written, and may end in zeroes (blocks allocated
// but never written); a file the *user* wrote less than the unsynced window
// ago may revert to what it was before that write -- the old bytes with the
// old size and mtime, as a journalled file system rolls back the whole inode
// -- or vanish if it was new. The node's index then disagrees on the mtime
// and re-hashes the file, so the model never asks the core to detect a change
// that size and mtime hide. Full disk: with a capacity, stage writes, copies
// and publishes that would not fit fail with NoSpace. Every change to a visible
// file is reported to a DiskObserver (the invariant checkers) together with
// who made it, and the disk keeps an order-independent digest of its
// visible (path, content) pairs so convergence can be checked in O(1).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/env.h"
#include "core/random.h"
#include "sim/blob.h"

namespace dds::sim {

class EventLoop;
class SimDisk;

// Who changed a visible file.
enum class ChangeCause {
  kPublish,     // the node published a stage
  kNodeRemove,  // the node removed the file
  kScenario,    // the scenario wrote, deleted or corrupted it
  kCrash,       // a crash undid a publish the node had not flushed yet
};

struct FileChange {
  const SimDisk& disk;
  const std::string& path;
  const Blob* before;  // null: the file did not exist
  const Blob* after;   // null: the file is gone
  ChangeCause cause;
};

class DiskObserver {
 public:
  virtual ~DiskObserver() = default;
  virtual void OnFileChanged(const FileChange& change) = 0;
};

// How long the disk takes over an operation: a latency, then the bytes at a
// rate; during a stall (a hung device, a journal commit waiting behind
// gigabytes of others' dirty data) nothing completes before the stall ends.
class DiskSpeed {
 public:
  DiskSpeed() = default;
  DiskSpeed(Duration latency, uint64_t bytes_per_second)
      : latency_(latency), bytes_per_second_(bytes_per_second) {}

  // An operation on `bytes` begun at `at`. REQUIRES: a rate above zero.
  Duration Time(uint64_t bytes, Instant at) const;
  // Operations in progress or begun before `until` end no earlier.
  void Stall(Instant until) { stall_until_ = std::max(stall_until_, until); }

 private:
  Duration latency_{};
  uint64_t bytes_per_second_ = 1ull << 30;
  Instant stall_until_{};
};

// The digest contribution of one visible file: FNV-1a over path and content
// digest. A disk's digest is the XOR of its files' contributions.
uint64_t ContentMix(const std::string& path, const Digest& digest);

class SimDisk final : public FileStore {
 public:
  struct File {
    BlobRef blob;
    int64_t mtime = 0;              // ns of virtual time of the last write
    bool corrupt_unhashed = false;  // silently corrupted, not re-hashed since
    // While corrupt_unhashed: the bytes the corruptions changed, [from, to).
    uint64_t corrupt_from = 0;
    uint64_t corrupt_to = 0;
  };

  SimDisk(std::string node, EventLoop* loop, BlobPool* pool, DiskObserver* observer);

  // FileStore.
  Status List(const std::string& after, size_t max,
              std::vector<FileInfo>* files) override;
  Result<FileInfo> Stat(const std::string& path) override;
  Result<FileDigest> Hash(const std::string& path) override;
  // Comes back after the time the disk takes to read the file
  // (DiskSpeed), through the delivery hook, unless the node goes down first.
  void HashInBackground(const std::string& path, HashDone done) override;
  Result<Digest> HashFileRange(const std::string& path, uint64_t offset,
                               uint64_t length) override;
  Result<std::string> Read(const std::string& path, uint64_t offset,
                           uint64_t length) override;
  Status Remove(const std::string& path) override;
  Result<uint64_t> BeginStage(const std::string& stage) override;
  Result<Digest> WriteStage(const std::string& stage, uint64_t offset,
                            std::string_view data) override;
  Status CopyToStage(const std::string& path, const std::string& stage) override;
  Status MoveToStage(const std::string& path, const std::string& stage) override;
  Result<Digest> HashStageRange(const std::string& stage, uint64_t offset,
                                uint64_t length) override;
  Result<Digest> HashStage(const std::string& stage) override;
  void HashStageInBackground(const std::string& stage, HashDone done) override;
  void CopyToStageInBackground(const std::string& path, const std::string& stage,
                               HashDone done) override;
  Status ListStages(std::vector<std::string>* stages) override;
  Result<FileInfo> Publish(const std::string& stage, const std::string& path) override;
  void DiscardStage(const std::string& stage) override;

  // Fault hooks. They change the disk only; the caller tells the node (or
  // not, for silent corruption).
  void WriteFile(const std::string& path, BlobRef blob);
  // A writer racing the node: `blob` replaces `path` (as WriteFile) inside
  // the next Hash of `path`, after the node has taken its size and mtime
  // but before the bytes are read, as an in-place write that lands while
  // the node hashes the file. LandRacingWrite lands it now if no Hash came.
  void WriteDuringNextHash(const std::string& path, BlobRef blob);
  void LandRacingWrite(const std::string& path);
  bool DeleteFile(const std::string& path);
  // Replaces the content, keeping size and mtime. REQUIRES: same size.
  bool CorruptFile(const std::string& path, BlobRef corrupted);

  // Every user write so far is on stable storage (the workload, placed
  // before the cluster starts).
  void Sync() { unsynced_.clear(); }
  // The crash just happened: see the comment at the top. User writes made
  // `window` or longer ago count as synced; each later one is reverted with
  // probability 1/2 unless `keep(path, current)` says it must stay. Returns
  // the reverted paths and what they hold now (null: gone).
  std::vector<std::pair<std::string, const Blob*>> LoseUnsynced(
      Duration window, SplitMix64& random,
      const std::function<bool(const std::string&, const Blob&)>& keep);
  // Publishes wait for the flush, as the runtime's do (docs/runtime.md,
  // group commit): with a hook set, the first publish after a flush calls
  // it, and the publishes made since can be lost by a crash. A later change
  // to the path that is not a publish (a removal, a user's write) stands on
  // its own.
  void set_on_publish(std::function<void()> hook) { on_publish_ = std::move(hook); }
  bool publishes_pending() const { return !unflushed_.empty(); }
  void FlushPublishes() { unflushed_.clear(); }
  // A crash before the flush: each path published since gets back what it
  // held before (the stage set aside is deleted at the next start, so its
  // bytes are gone too). The hook goes as well.
  void LosePublishes();
  // Deliberate lies, for the tests that prove the checkers catch a node
  // that goes wrong (sim/scenario.h, TestFault); never set otherwise. The
  // checkers (the DiskObserver) always see the truth.
  enum class Lie {
    kNone,
    kCorruptPublishes,  // flips a byte of every file published
    kHideDeletions,     // a file the scenario deletes still looks there to the node
    kKeepRemoved,       // Remove succeeds and keeps the file
    kHashInline,        // background work blocks the node as synchronous work does
  };
  void set_lie(Lie lie) { lie_ = lie; }
  // 0: unlimited.
  void set_capacity(uint64_t bytes) { capacity_ = bytes; }
  void set_speed(DiskSpeed speed) { speed_ = speed; }
  void Stall(Instant until) { speed_.Stall(until); }
  // The time the operations made since the last call took (DiskSpeed):
  // the node's loop was blocked in them, as the runtime's is in its
  // synchronous file operations (the World holds its next events back).
  Duration TakeBusy() { return std::exchange(busy_, Duration{}); }
  // How a background hash's result reaches the node: as a callback into
  // it, which the World may hold back while the node is busy.
  using Deliver = std::function<void(std::function<void()>)>;
  void set_deliver(Deliver deliver) { deliver_ = std::move(deliver); }
  // Bytes held by visible files and stages.
  // Writes refused for lack of space so far.
  uint64_t space_refusals() const { return space_refusals_; }
  uint64_t used() const;

  const std::string& node() const { return node_; }
  // Whether the node owning this disk is up (its copies can be served).
  bool online() const { return online_; }
  // Going offline drops the background hashes under way.
  void set_online(bool online);
  const File* Find(const std::string& path) const;
  const std::map<std::string, File>& files() const { return files_; }
  size_t stage_count() const { return stages_.size(); }
  uint64_t content_digest() const { return content_digest_; }

 private:
  // A partial download, or a copy of a visible file not yet written to.
  struct Stage {
    std::string bytes;
    BlobRef whole;  // set while the stage is an untouched copy of a file
    // The file digest of all of `bytes`, once a node has hashed them whole
    // (it does before publishing); cleared by any change. Spares Publish a
    // rehash.
    std::optional<Digest> hashed;
    // Tells a copy made in the background that its stage is still the one
    // it began with (CopyToStageInBackground).
    uint64_t id = 0;
  };

  struct Unsynced {
    std::optional<File> before;  // what stable storage holds; none: nothing
    Instant written{};
  };

  // An operation on `bytes` takes its time (DiskSpeed) after those before
  // it in the same callback.
  void Charge(uint64_t bytes);
  // The file digest of what the node sees at `path`, at no cost.
  Result<FileDigest> DigestNow(const std::string& path);
  // Runs `job` once the disk has taken the time to read `bytes` (DiskSpeed),
  // and hands its result to `done` through the delivery hook, unless the
  // node went down meanwhile.
  void InBackground(uint64_t bytes, std::function<Result<FileDigest>()> job,
                    HashDone done);
  // NoSpace if `more` bytes would not fit.
  // Counts refusals: fault coverage of disk_full (sim/coverage.h).
  Status Room(uint64_t more, std::string_view what);
  void TearStage(Stage& stage, SplitMix64& random);
  void Replace(const std::string& path, File file, ChangeCause cause);
  void Erase(std::map<std::string, File>::iterator it, ChangeCause cause);
  void Account(const std::string& path, const Blob* blob);
  FileInfo InfoOf(const std::string& path, const File& file) const;
  // The file at `path` as the node sees it (a ghost included), or null.
  const File* Seen(const std::string& path) const;
  int64_t NowNanos() const;

  const std::string node_;
  EventLoop* const loop_;
  BlobPool* const pool_;
  DiskObserver* const observer_;
  std::map<std::string, File> files_;
  std::map<std::string, Stage> stages_;
  std::map<std::string, Unsynced> unsynced_;  // user writes not yet synced
  std::map<std::string, BlobRef> racing_;     // WriteDuringNextHash, not landed
  // path -> what it held before its first publish since the last flush
  std::map<std::string, std::optional<File>> unflushed_;
  std::function<void()> on_publish_;
  Lie lie_ = Lie::kNone;
  // kHideDeletions: what the node still sees of files deleted from it.
  std::map<std::string, File> ghosts_;
  uint64_t capacity_ = 0;
  uint64_t next_stage_id_ = 0;
  DiskSpeed speed_;
  Duration busy_{};
  Deliver deliver_;
  uint64_t space_refusals_ = 0;
  uint64_t content_digest_ = 0;
  bool online_ = false;
  uint64_t online_since_ = 0;  // bumped by each going offline; tags background hashes
};

}  // namespace dds::sim
