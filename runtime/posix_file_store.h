// dds::FileStore on a POSIX directory (a node's data dir).
//
// Every path is checked with dds::ValidatePath and then resolved one
// component at a time from a directory fd with O_NOFOLLOW, so neither a ".."
// nor a symlink planted in the data dir can lead outside it. Names starting
// with ".dds" at the top of the data dir are dds's own (staging, state):
// never listed, never served. Any other name ValidatePath refuses (below
// the top, a ".dds" name too) is listed as it is, a directory as a path
// without its files, so the node can report it (core/refused_names.h).
// Partial downloads live in <data-dir>/.dds-stage/ and survive restarts.
//
// Group commit: Publish only moves the stage aside under a private name and
// records where it goes; every accessor already sees it there. The Env's
// flush then completes a batch of them at once, in an order that makes them
// crash-atomic with the metadata that records them
// (runtime/publish_journal.h): TakePublishes hands over the batch, whose
// data SyncPublishBatch makes durable (on the flush thread: one journal
// commit for the lot instead of one per file) before the metadata commit
// records an intent per publish; only then does CompletePublishes rename
// them into place. The directories renamed into, and those a new directory
// was made in, are fsynced by the next flush, before the commit that
// forgets those intents. At start-up, Recover finishes the renames whose
// intents were committed and drops the rest. docs/runtime.md has the
// argument.
//
// Not thread-safe: used from the io_context thread only. What it hands to
// the disk workers (runtime/disk_workers.h) and to the flush thread is open
// fds and nothing else.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/env.h"
#include "runtime/disk_workers.h"
#include "runtime/unique_fd.h"

namespace dds {

inline constexpr std::string_view kStageDirName = ".dds-stage";

// A file's mtime as FileInfo::mtime has it (nanoseconds).
int64_t MtimeNanos(const struct stat& st);

// Maps an errno from a file operation: ENOSPC/EDQUOT to NoSpace, a missing
// file or a forbidden symlink to NotFound, anything else to IOError.
Status StatusFromErrno(const std::string& what, int err);

// From this many deferred publishes on, the flush makes their data durable with one
// syncfs instead of an fsync each (docs/runtime.md, "Durability").
inline constexpr size_t kSyncfsStages = 32;

class PosixFileStore final : public FileStore {
 public:
  // Opens (creating if needed) the data dir at `root` and its staging dir.
  static Result<std::unique_ptr<PosixFileStore>> Open(const std::string& root);

  Status List(const std::string& after, size_t max,
              std::vector<FileInfo>* files) override;
  Result<FileInfo> Stat(const std::string& path) override;
  Result<FileDigest> Hash(const std::string& path) override;
  // Opens the file here, hashes it on a disk worker (set_workers).
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

  // A deferred publish, as the metadata commit records it: the stage set
  // aside under `aside` goes to `path`.
  struct PublishIntent {
    std::string aside;
    std::string path;
  };
  // The deferred publishes one flush carries, and what it must make durable
  // before its commit.
  struct PublishBatch {
    uint64_t id = 0;
    std::vector<PublishIntent> intents;
    std::vector<UniqueFd> data;  // the stages set aside, fsynced one by one
    UniqueFd syncfs;             // or, for many, the stage dir for one syncfs
    std::vector<UniqueFd> dirs;  // directories whose new entries go first
  };
  // The flush, in this order (a failure is fatal: the Env stops the
  // process, and Recover picks up at the next start). Takes every deferred
  // publish no flush has taken yet;
  Result<PublishBatch> TakePublishes();
  // makes their data, and the directories', durable (on any thread);
  static Status SyncPublishBatch(const PublishBatch& batch);
  // and, once the commit recorded their intents, renames into place those
  // still wanted (a later publish or remove of the same path drops one).
  Status CompletePublishes(const PublishBatch& batch);
  // At start-up, before any publish: renames into place every stage set
  // aside whose intent was committed (a crash came between the commit and
  // the rename), then deletes the other stages set aside (their metadata
  // was never committed, so the core pulls those files again).
  Status Recover(const std::vector<PublishIntent>& committed);

  // Where HashInBackground hashes; the Env sets it (and clears it before
  // the workers go). REQUIRES: set before HashInBackground is called.
  void set_workers(DiskWorkers* workers) { workers_ = workers; }

  const std::string& root() const { return root_; }
  // An open, regular, visible file, for serving (HTTP): O_NOFOLLOW all the
  // way down, like every other access.
  Result<UniqueFd> OpenForRead(const std::string& path);

 private:
  PosixFileStore(std::string root, UniqueFd root_fd, UniqueFd stage_fd)
      : root_(std::move(root)),
        root_fd_(std::move(root_fd)),
        stage_fd_(std::move(stage_fd)) {}

  // Opens the directory that holds `path`'s last component and stores that
  // component in `*leaf`. With `create`, makes missing directories: their
  // parents are fsynced at once, or, with `made_in`, left there for a flush.
  Result<UniqueFd> OpenParent(const std::string& path, bool create, std::string* leaf,
                              std::vector<UniqueFd>* made_in = nullptr);
  Result<UniqueFd> OpenStage(const std::string& stage, int flags);
  // Runs `job` on a disk worker (the fds it needs opened here first), and
  // `done` with its result as a callback into the process.
  void InBackground(std::function<Result<FileDigest>(const std::atomic<bool>& stop)> job,
                    HashDone done);
  // Hashes the file `opened` (opened here) on a disk worker, or hands on
  // why it could not be opened.
  void HashOpenedInBackground(Result<UniqueFd> opened, HashDone done);
  // The walk behind List: a stack of directories being read, each sorted
  // so that the files come out in the order of their full paths (a
  // directory sorts as its name followed by '/'). It continues where the
  // last page ended; another starting point seeks afresh.
  struct WalkEntry {
    std::string key;  // the name, and '/' for a directory
    bool directory = false;
  };
  struct WalkFrame {
    std::string prefix;  // "" or "dir/sub/"
    UniqueFd fd;
    std::vector<WalkEntry> entries;
    size_t next = 0;
  };
  // Reads the entries of directory `prefix` ("" for the root), open at
  // `fd`, sorted, onto the walk; false if it cannot be read.
  bool PushFrame(const std::string& prefix, UniqueFd fd);
  // Restarts the walk just after `after`.
  void SeekWalk(const std::string& after);
  // Appends up to `max` files to `files`; false once the walk is over.
  bool Walk(size_t max, std::vector<FileInfo>* files);
  // Calls `visit(name, stat)` for every entry of `dir_fd` except . and ..;
  // takes ownership of `dir_fd`.
  template <typename Visit>
  Status ForEachEntry(int dir_fd, const std::string& what, Visit&& visit);
  // Removes the deferred publish of `path`, if any; true if there was one.
  bool DropPending(const std::string& path);

  using DirKey = std::pair<dev_t, ino_t>;
  // A published stage waiting for the flush.
  struct Pending {
    std::string aside;   // its name in the stage dir meanwhile: "." + a number
    DirKey dir;          // the directory it goes into (a key of dirs_)
    std::string leaf;    // its name there
    FileInfo info;       // what Publish returned
    uint64_t flush = 0;  // the PublishBatch that took it, 0 until one does
  };
  // A directory pending publishes go into, open until they are renamed.
  struct Dir {
    UniqueFd fd;
    size_t pending = 0;
  };
  // Forgets one pending publish into `dir`.
  void ReleaseDir(const DirKey& dir);

  const std::string root_;
  DiskWorkers* workers_ = nullptr;
  UniqueFd root_fd_;
  UniqueFd stage_fd_;
  uint64_t next_aside_ = 0;
  uint64_t last_flush_ = 0;
  std::map<std::string, Pending> pending_;  // by path
  std::vector<WalkFrame> walk_;
  std::string walk_after_;  // the last path the walk returned
  // Each opened once however many files go into it, so ten thousand files
  // published into one directory cost one directory fsync.
  std::map<DirKey, Dir> dirs_;
  // Directories with new entries (renames, new directories) for the next
  // flush to fsync.
  std::vector<UniqueFd> dirs_to_sync_;
};

}  // namespace dds
