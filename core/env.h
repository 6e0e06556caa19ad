// The environment seam: everything the core needs from the outside world.
//
// The master and node state machines (core/master.h, core/node.h) never touch
// a clock, socket, disk or random source directly. They act through an Env,
// and the world calls them back through the Process interface below. The
// runtime (runtime/) implements Env with Asio, POSIX files, inotify and SQLite;
// the simulator (sim/) implements it with virtual time, an in-memory network
// and in-memory disks. Same core, two worlds.
//
// Threading contract: an Env and the Process it drives are used from exactly
// one thread (the runtime runs each process's core on one io_context thread).
// Every call into a Process runs to completion before the next one starts.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/entry.h"
#include "core/messages.h"
#include "core/status.h"
#include "core/types.h"

namespace dds {

// Identifies a timer owned by one Process. Setting a timer with an id that is
// already pending reschedules it.
using TimerId = uint64_t;

// A regular file in a node's data directory, as the disk sees it.
struct FileInfo {
  std::string path;   // relative, validated (core/path.h)
  uint64_t size = 0;  // bytes
  int64_t mtime = 0;  // nanoseconds, on the disk's clock; compared, never interpreted
};

// The node's data directory. Visible files are only ever created by Publish,
// which is atomic: a reader sees the old file or the complete new one.
// Staging areas hold partial downloads, are invisible to readers, and survive
// a restart (so a transfer can resume).
class FileStore {
 public:
  virtual ~FileStore() = default;

  // Visible regular files with a path after `after` ("" for the first),
  // in path order, at most `max` of them: a walk over the data directory in
  // pages. Fewer than `max` means the walk reached the end. Names that
  // ValidatePath refuses are listed too (a directory as its own path, not
  // entered), so the core can report them; every other call refuses them.
  virtual Status List(const std::string& after, size_t max,
                      std::vector<FileInfo>* files) = 0;
  virtual Result<FileInfo> Stat(const std::string& path) = 0;
  // The file's FileDigest (core/entry.h), each byte read and hashed once.
  virtual Result<FileDigest> Hash(const std::string& path) = 0;
  // The same, away from the process's thread: a large file takes seconds to
  // hash, and the process answers heartbeats meanwhile. `done` is called
  // later, as a callback into the Process (never from within this call),
  // with what Hash would have returned; never if the process stops first.
  // The file may change while it is hashed: the caller looks at its size
  // and mtime again.
  using HashDone = std::function<void(Result<FileDigest>)>;
  virtual void HashInBackground(const std::string& path, HashDone done) = 0;
  // The SHA-256 of bytes [offset, offset + length) of the file (a chunk);
  // NotFound if it is missing or shorter than offset + length.
  virtual Result<Digest> HashFileRange(const std::string& path, uint64_t offset,
                                       uint64_t length) = 0;
  // Up to `length` bytes from `offset`; shorter only at end of file.
  virtual Result<std::string> Read(const std::string& path, uint64_t offset,
                                   uint64_t length) = 0;
  virtual Status Remove(const std::string& path) = 0;

  // Staging: `stage` is a name the core chooses (16 hex digits). BeginStage
  // creates it if missing and keeps what an earlier attempt wrote, so a
  // transfer resumes after a crash; it returns the stage's size (0: nothing
  // to resume). DiscardStage then BeginStage starts afresh. Stages survive
  // restarts until published or discarded.
  virtual Result<uint64_t> BeginStage(const std::string& stage) = 0;
  // Writes `data` at `offset` and returns its SHA-256, hashed as it was
  // written, so a chunk is verified without being read back.
  virtual Result<Digest> WriteStage(const std::string& stage, uint64_t offset,
                                    std::string_view data) = 0;
  // Replaces the stage's content with a copy of a visible file.
  virtual Status CopyToStage(const std::string& path, const std::string& stage) = 0;
  // Makes a visible file the stage's content (a rename: no bytes copied);
  // `path` is gone afterwards. For a file moved to another path.
  virtual Status MoveToStage(const std::string& path, const std::string& stage) = 0;
  // The SHA-256 of bytes [offset, offset + length) of the stage (a chunk);
  // NotFound if the stage is missing or shorter than offset + length.
  virtual Result<Digest> HashStageRange(const std::string& stage, uint64_t offset,
                                        uint64_t length) = 0;
  // The whole-file digest (FileDigest::whole) of all of the stage.
  virtual Result<Digest> HashStage(const std::string& stage) = 0;
  // Stage work that reads a whole file, done as HashInBackground does
  // (`done` later, as a callback into the process; never if it stops):
  // the FileDigest of all of the stage (its chunk digests tell a resumed
  // pull which chunks it has);
  virtual void HashStageInBackground(const std::string& stage, HashDone done) = 0;
  // and CopyToStage with the FileDigest of the bytes copied, in one pass.
  virtual void CopyToStageInBackground(const std::string& path, const std::string& stage,
                                       HashDone done) = 0;
  // Every stage present, sorted (so leftovers of abandoned pulls are found).
  virtual Status ListStages(std::vector<std::string>* stages) = 0;
  // Makes the stage visible as `path` (fsync, then rename). The stage is gone
  // afterwards. Returns what the disk now holds at `path`.
  virtual Result<FileInfo> Publish(const std::string& stage, const std::string& path) = 0;
  virtual void DiscardStage(const std::string& stage) = 0;
};

// Small durable key-value state: the master's catalog, a node's local index.
// A successful Put is durable once the current Process callback returns.
class MetaStore {
 public:
  using Visitor = std::function<void(std::string_view key, std::string_view value)>;

  virtual ~MetaStore() = default;

  virtual Status Put(std::string_view key, std::string_view value) = 0;
  virtual Status Delete(std::string_view key) = 0;
  // NotFound if `key` has no value.
  virtual Status Get(std::string_view key, std::string* value) = 0;
  // Calls `visit` for every (key, value) whose key starts with `prefix`, in
  // key order. It streams: a scan over a million records holds one at a
  // time, and the views are valid only during the call. `visit` must not
  // write to the store.
  virtual Status Scan(std::string_view prefix, const Visitor& visit) = 0;
};

class Env {
 public:
  virtual ~Env() = default;

  virtual Instant Now() const = 0;
  virtual void SetTimer(TimerId id, Duration delay) = 0;
  virtual void CancelTimer(TimerId id) = 0;

  // Best effort, ordered per destination; may be dropped (loss, partition,
  // peer down). The core recovers with timeouts and anti-entropy.
  virtual void Send(const Address& to, const Message& message) = 0;

  // The node's data directory. REQUIRES: this Env belongs to a node.
  virtual FileStore& Files() = 0;
  virtual MetaStore& Meta() = 0;

  // Uniformly distributed 64-bit values. Seeded and reproducible in the
  // simulator; see core/random.h for the distributions built on it.
  virtual uint64_t Random() = 0;

  // One line describing something notable the core did (a conflict, a node
  // marked down, a restore). Goes to the log or the simulator's trace.
  virtual void Note(std::string_view line) = 0;
};

// What the environment calls. Implemented by Master and Node.
class Process {
 public:
  virtual ~Process() = default;

  // Called once after construction, and again after every restart with a new
  // Process object over the same durable state.
  virtual void Start() = 0;
  virtual void OnMessage(const Address& from, const Message& message) = 0;
  virtual void OnTimer(TimerId id) = 0;
  // The connection to `peer` broke (crash, partition, reset). Messages sent to
  // it may have been lost.
  virtual void OnPeerLost(const Address& peer) = 0;
};

}  // namespace dds
