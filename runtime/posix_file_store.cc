// POSIX FileStore; see posix_file_store.h.
#include "runtime/posix_file_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <set>
#include <utility>

#include "core/check.h"
#include "core/codec.h"
#include "core/path.h"
#include "runtime/log.h"
#include "runtime/sha256.h"

namespace dds {
namespace {

constexpr size_t kCopyBufferBytes = 1 << 20;
constexpr size_t kMaxStageNameBytes = 128;
// A stage written past this many bytes is flushed in steps as it grows, one
// window behind the writer (PaceWriteback).
constexpr uint64_t kWritebackWindow = 8 << 20;

}  // namespace

Status StatusFromErrno(const std::string& what, int err) {
  std::string message = what + ": " + std::strerror(err);
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return Status::NoSpace(std::move(message));
    case ENOENT:
    case ENOTDIR:
    case ELOOP:  // a symlink where O_NOFOLLOW forbids one: not a file of ours
      return Status::NotFound(std::move(message));
    default:
      return Status::IOError(std::move(message));
  }
}

int64_t MtimeNanos(const struct stat& st) {
  return int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
}

namespace {

FileInfo InfoOf(const std::string& path, const struct stat& st) {
  return FileInfo{path, static_cast<uint64_t>(st.st_size), MtimeNanos(st)};
}

bool IsReserved(std::string_view name) { return name.starts_with(kReservedPrefix); }

// A published stage set aside until the flush: "." and a number.
std::string AsideName(uint64_t n) { return "." + std::to_string(n); }
bool IsAsideName(std::string_view name) {
  return name.size() >= 2 && name.size() <= 21 && name.front() == '.' &&
         std::all_of(name.begin() + 1, name.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

// Stage names are chosen by the core (a digest in hex, say); still, they
// become file names, so only a plain, safe alphabet is allowed.
Status ValidateStage(std::string_view stage) {
  const bool safe = !stage.empty() && stage.size() <= kMaxStageNameBytes &&
                    stage.front() != '.' &&
                    std::all_of(stage.begin(), stage.end(), [](char c) {
                      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                             (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
                    });
  if (!safe)
    return Status::InvalidArgument("invalid stage name '" + std::string(stage) + "'");
  return Status::Ok();
}

Status WriteAll(int fd, std::string_view data, uint64_t offset, const std::string& what) {
  while (!data.empty()) {
    const ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return StatusFromErrno(what, errno);
    data.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

// Reads up to `length` bytes at `offset`; shorter only at end of file.
Result<std::string> ReadAt(int fd, uint64_t offset, uint64_t length,
                           const std::string& what) {
  std::string out(length, '\0');
  size_t filled = 0;
  while (filled < out.size()) {
    const ssize_t n = ::pread(fd, out.data() + filled, out.size() - filled,
                              static_cast<off_t>(offset + filled));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return StatusFromErrno(what, errno);
    if (n == 0) break;
    filled += static_cast<size_t>(n);
  }
  out.resize(filled);
  return out;
}

// Called after [offset, offset + length) of a stage was written. Left to
// itself the kernel keeps gigabytes of a large download dirty, and the next
// journal commit on the file system (any process's fsync: the master's
// SQLite commit, a small file's publish) waits behind all of it, for
// seconds. So writeback of what was just written starts now, and the range
// written one window earlier is waited for: a stage never holds much more
// than a window of dirty data, and the fsync at publish finds little left.
// Small stages (within one window) are left to the group commit's syncfs or
// fsync, which flushes many of them at once. Errors are ignored here: the
// fsync at publish reports them.
void PaceWriteback(int fd, uint64_t offset, uint64_t length) {
  if (offset + length <= kWritebackWindow) return;
  ::sync_file_range(fd, static_cast<off_t>(offset), static_cast<off_t>(length),
                    SYNC_FILE_RANGE_WRITE);
  if (offset < kWritebackWindow) return;
  ::sync_file_range(
      fd, static_cast<off_t>(offset - kWritebackWindow), static_cast<off_t>(length),
      SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
}

// Copies all of `src` (the file at `path`) to the start of `dst` (the
// stage), pacing writeback; feeds the bytes to `hasher` too, if given.
// Gives up as soon as `*stop` is set.
Status CopyAll(int src, int dst, const std::string& path, const std::string& stage,
               FileHasher* hasher, const std::atomic<bool>* stop) {
  for (uint64_t offset = 0;;) {
    if (stop != nullptr && stop->load(std::memory_order_relaxed))
      return Status::IOError("stopped");
    auto data = ReadAt(src, offset, kCopyBufferBytes, path);
    if (!data.ok()) return data.status();
    if (data->empty()) return Status::Ok();
    if (Status s = WriteAll(dst, *data, offset, "copy to stage " + stage); !s.ok())
      return s;
    if (hasher != nullptr) hasher->Update(*data);
    PaceWriteback(dst, offset, data->size());
    offset += data->size();
  }
}

Status FsyncFd(int fd, const std::string& what) {
  if (::fsync(fd) != 0) return StatusFromErrno("fsync " + what, errno);
  return Status::Ok();
}

// Opens directory `name` under `dir_fd`, never through a symlink.
int OpenDirAt(int dir_fd, const char* name) {
  return ::openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

}  // namespace

Result<std::unique_ptr<PosixFileStore>> PosixFileStore::Open(const std::string& root) {
  if (::mkdir(root.c_str(), 0755) != 0 && errno != EEXIST) {
    return StatusFromErrno("create data dir " + root, errno);
  }
  UniqueFd root_fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd.valid()) return StatusFromErrno("open data dir " + root, errno);
  const std::string stage_name(kStageDirName);
  if (::mkdirat(root_fd.get(), stage_name.c_str(), 0700) != 0 && errno != EEXIST) {
    return StatusFromErrno("create " + root + "/" + stage_name, errno);
  }
  UniqueFd stage_fd(OpenDirAt(root_fd.get(), stage_name.c_str()));
  if (!stage_fd.valid()) return StatusFromErrno("open " + root + "/" + stage_name, errno);
  std::unique_ptr<PosixFileStore> store(
      new PosixFileStore(root, std::move(root_fd), std::move(stage_fd)));
  return store;
}

Result<UniqueFd> PosixFileStore::OpenParent(const std::string& path, bool create,
                                            std::string* leaf,
                                            std::vector<UniqueFd>* made_in) {
  if (Status s = ValidatePath(path); !s.ok()) return s;
  UniqueFd dir(::dup(root_fd_.get()));
  if (!dir.valid()) return StatusFromErrno("dup", errno);
  size_t start = 0;
  for (size_t slash; (slash = path.find('/', start)) != std::string::npos;
       start = slash + 1) {
    const std::string component = path.substr(start, slash - start);
    UniqueFd next(OpenDirAt(dir.get(), component.c_str()));
    if (!next.valid() && errno == ENOENT && create) {
      if (::mkdirat(dir.get(), component.c_str(), 0755) != 0 && errno != EEXIST) {
        return StatusFromErrno("mkdir " + path.substr(0, slash), errno);
      }
      // The new directory's entry must be durable before files appear in it
      // for good.
      if (made_in != nullptr) {
        made_in->emplace_back(::dup(dir.get()));
        if (!made_in->back().valid()) return StatusFromErrno("dup", errno);
      } else if (Status s = FsyncFd(dir.get(), path.substr(0, start)); !s.ok()) {
        return s;
      }
      next.Reset(OpenDirAt(dir.get(), component.c_str()));
    }
    if (!next.valid()) return StatusFromErrno(path.substr(0, slash), errno);
    dir = std::move(next);
  }
  *leaf = path.substr(start);
  return dir;
}

Result<UniqueFd> PosixFileStore::OpenForRead(const std::string& path) {
  if (auto it = pending_.find(path); it != pending_.end()) {
    UniqueFd fd(::openat(stage_fd_.get(), it->second.aside.c_str(),
                         O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) return StatusFromErrno(path, errno);
    return fd;
  }
  std::string leaf;
  auto parent = OpenParent(path, /*create=*/false, &leaf);
  if (!parent.ok()) return parent.status();
  // O_NONBLOCK: a FIFO planted in the data dir must not hang the process.
  UniqueFd fd(::openat(parent->get(), leaf.c_str(),
                       O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) return StatusFromErrno(path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return StatusFromErrno(path, errno);
  if (!S_ISREG(st.st_mode)) return Status::NotFound(path + ": not a regular file");
  return fd;
}

Result<UniqueFd> PosixFileStore::OpenStage(const std::string& stage, int flags) {
  if (Status s = ValidateStage(stage); !s.ok()) return s;
  UniqueFd fd(
      ::openat(stage_fd_.get(), stage.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd.valid()) return StatusFromErrno("stage " + stage, errno);
  return fd;
}

Status PosixFileStore::List(const std::string& after, size_t max,
                            std::vector<FileInfo>* files) {
  files->clear();
  if (walk_.empty() || after != walk_after_) SeekWalk(after);
  const bool more = Walk(max, files);
  walk_after_ = files->empty() ? after : files->back().path;
  if (!more) walk_.clear();
  // Deferred publishes are visible already: they replace what the disk
  // holds at their paths within the page's range.
  const std::string& upto = files->empty() || !more ? std::string() : files->back().path;
  std::erase_if(*files,
                [&](const FileInfo& file) { return pending_.contains(file.path); });
  for (auto it = pending_.upper_bound(after);
       it != pending_.end() && (upto.empty() || it->first <= upto); ++it) {
    files->push_back(it->second.info);
  }
  std::sort(files->begin(), files->end(),
            [](const FileInfo& a, const FileInfo& b) { return a.path < b.path; });
  return Status::Ok();
}

bool PosixFileStore::PushFrame(const std::string& prefix, UniqueFd fd) {
  if (!fd.valid()) return false;
  WalkFrame frame{prefix, std::move(fd), {}, 0};
  // The frame keeps its fd for fstatat; readdir reads through a copy (a
  // fresh open: a dup would share the read offset with the frame's fd).
  DIR* dir = ::fdopendir(OpenDirAt(frame.fd.get(), "."));
  if (dir == nullptr) return false;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name == "." || name == ".." || (prefix.empty() && IsReserved(name))) continue;
    bool directory = entry->d_type == DT_DIR;
    if (entry->d_type == DT_UNKNOWN) {
      struct stat st {};
      if (::fstatat(::dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      directory = S_ISDIR(st.st_mode);
    }
    frame.entries.push_back({std::string(name) + (directory ? "/" : ""), directory});
  }
  ::closedir(dir);
  std::sort(frame.entries.begin(), frame.entries.end(),
            [](const WalkEntry& a, const WalkEntry& b) { return a.key < b.key; });
  walk_.push_back(std::move(frame));
  return true;
}

void PosixFileStore::SeekWalk(const std::string& after) {
  walk_.clear();
  if (!PushFrame("", UniqueFd(OpenDirAt(root_fd_.get(), ".")))) return;
  // Down the directories that hold `after`, skipping what sorts before it.
  for (;;) {
    WalkFrame& frame = walk_.back();
    const std::string_view rest =
        std::string_view(after).substr(std::min(after.size(), frame.prefix.size()));
    auto it = std::upper_bound(
        frame.entries.begin(), frame.entries.end(), rest,
        [](std::string_view key, const WalkEntry& e) { return key < e.key; });
    frame.next = static_cast<size_t>(it - frame.entries.begin());
    // `after` inside a directory of this frame: resume within it.
    if (frame.next == 0) return;
    const WalkEntry& previous = frame.entries[frame.next - 1];
    if (!previous.directory || !rest.starts_with(previous.key)) return;
    const std::string prefix = frame.prefix + previous.key;
    const std::string name = previous.key.substr(0, previous.key.size() - 1);
    if (!PushFrame(prefix, UniqueFd(OpenDirAt(frame.fd.get(), name.c_str())))) return;
  }
}

bool PosixFileStore::Walk(size_t max, std::vector<FileInfo>* files) {
  while (!walk_.empty()) {
    WalkFrame& frame = walk_.back();
    if (frame.next == frame.entries.size()) {
      walk_.pop_back();
      continue;
    }
    if (files->size() >= max) return true;
    const WalkEntry& entry = frame.entries[frame.next++];
    const std::string path = frame.prefix + entry.key;
    if (entry.directory) {
      const std::string dir = path.substr(0, path.size() - 1);
      if (!ValidatePath(dir).ok()) {
        files->push_back(FileInfo{dir, 0, 0});  // Not entered: reported as refused.
        continue;
      }
      const std::string name = entry.key.substr(0, entry.key.size() - 1);
      // Unreadable (or gone since it was listed): skipped; the next pass sees it.
      PushFrame(path, UniqueFd(OpenDirAt(frame.fd.get(), name.c_str())));
      continue;
    }
    struct stat st {};
    // Gone since it was listed, or not a regular file: not there.
    if (::fstatat(frame.fd.get(), entry.key.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(st.st_mode)) {
      continue;
    }
    files->push_back(InfoOf(path, st));
  }
  return false;
}

template <typename Visit>
Status PosixFileStore::ForEachEntry(int dir_fd, const std::string& what, Visit&& visit) {
  DIR* dir = ::fdopendir(dir_fd);
  if (dir == nullptr) {
    const int err = errno;
    ::close(dir_fd);
    return StatusFromErrno("list " + what, err);
  }
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    // An entry that vanished since readdir is simply not there any more.
    if (::fstatat(::dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    visit(::dirfd(dir), entry->d_name, st);
  }
  ::closedir(dir);
  return Status::Ok();
}

Result<FileInfo> PosixFileStore::Stat(const std::string& path) {
  if (auto it = pending_.find(path); it != pending_.end()) return it->second.info;
  std::string leaf;
  auto parent = OpenParent(path, /*create=*/false, &leaf);
  if (!parent.ok()) return parent.status();
  struct stat st {};
  if (::fstatat(parent->get(), leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return StatusFromErrno(path, errno);
  }
  if (!S_ISREG(st.st_mode)) return Status::NotFound(path + ": not a regular file");
  return InfoOf(path, st);
}

Result<FileDigest> PosixFileStore::Hash(const std::string& path) {
  auto fd = OpenForRead(path);
  if (!fd.ok()) return fd.status();
  return HashFile(fd->get());
}

void PosixFileStore::InBackground(
    std::function<Result<FileDigest>(const std::atomic<bool>& stop)> job, HashDone done) {
  DDS_CHECK(workers_ != nullptr);
  auto result = std::make_shared<Result<FileDigest>>(Status::IOError("not done"));
  workers_->Run([result, job = std::move(job)](
                    const std::atomic<bool>& stop) { *result = job(stop); },
                [result, done = std::move(done)] { done(std::move(*result)); });
}

void PosixFileStore::HashInBackground(const std::string& path, HashDone done) {
  HashOpenedInBackground(OpenForRead(path), std::move(done));
}

void PosixFileStore::HashOpenedInBackground(Result<UniqueFd> opened, HashDone done) {
  auto fd = std::make_shared<Result<UniqueFd>>(std::move(opened));
  InBackground(
      [fd](const std::atomic<bool>& stop) -> Result<FileDigest> {
        if (!fd->ok()) return fd->status();
        return HashFile((*fd)->get(), &stop);
      },
      std::move(done));
}

Result<Digest> PosixFileStore::HashFileRange(const std::string& path, uint64_t offset,
                                             uint64_t length) {
  auto fd = OpenForRead(path);
  if (!fd.ok()) return fd.status();
  return HashRange(fd->get(), offset, length);
}

Result<std::string> PosixFileStore::Read(const std::string& path, uint64_t offset,
                                         uint64_t length) {
  auto fd = OpenForRead(path);
  if (!fd.ok()) return fd.status();
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0) return StatusFromErrno(path, errno);
  // `length` may come from a peer: never allocate beyond the file or a message.
  const auto size = static_cast<uint64_t>(st.st_size);
  const uint64_t available = offset < size ? size - offset : 0;
  return ReadAt(fd->get(), offset, std::min({length, available, kMaxMessageBytes}), path);
}

Status PosixFileStore::Remove(const std::string& path) {
  const bool was_pending = DropPending(path);
  std::string leaf;
  auto parent = OpenParent(path, /*create=*/false, &leaf);
  if (!parent.ok()) return parent.status();
  // A pending publish may have been the only version of the file there is.
  if (::unlinkat(parent->get(), leaf.c_str(), 0) != 0 &&
      !(was_pending && errno == ENOENT))
    return StatusFromErrno("remove " + path, errno);
  return Status::Ok();
}

// Keeps what an earlier attempt wrote: that is what lets a pull resume.
Result<uint64_t> PosixFileStore::BeginStage(const std::string& stage) {
  auto fd = OpenStage(stage, O_WRONLY | O_CREAT);
  if (!fd.ok()) return fd.status();
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0) return StatusFromErrno("stage " + stage, errno);
  return static_cast<uint64_t>(st.st_size);
}

Result<Digest> PosixFileStore::WriteStage(const std::string& stage, uint64_t offset,
                                          std::string_view data) {
  auto fd = OpenStage(stage, O_WRONLY);
  if (!fd.ok()) return fd.status();
  if (Status s = WriteAll(fd->get(), data, offset, "write stage " + stage); !s.ok())
    return s;
  PaceWriteback(fd->get(), offset, data.size());
  Sha256 hash;
  hash.Update(data);
  return hash.Finish();
}

Status PosixFileStore::CopyToStage(const std::string& path, const std::string& stage) {
  auto src = OpenForRead(path);
  if (!src.ok()) return src.status();
  auto dst = OpenStage(stage, O_WRONLY | O_CREAT | O_TRUNC);
  if (!dst.ok()) return dst.status();
  return CopyAll(src->get(), dst->get(), path, stage, nullptr, nullptr);
}

void PosixFileStore::CopyToStageInBackground(const std::string& path,
                                             const std::string& stage, HashDone done) {
  auto src = std::make_shared<Result<UniqueFd>>(OpenForRead(path));
  auto dst = std::make_shared<Result<UniqueFd>>(
      src->ok() ? OpenStage(stage, O_WRONLY | O_CREAT | O_TRUNC)
                : Result<UniqueFd>(src->status()));
  InBackground(
      [src, dst, path, stage](const std::atomic<bool>& stop) -> Result<FileDigest> {
        if (!dst->ok()) return dst->status();
        FileHasher hasher;
        if (Status s = CopyAll((*src)->get(), (*dst)->get(), path, stage, &hasher, &stop);
            !s.ok())
          return s;
        return hasher.Finish();
      },
      std::move(done));
}

Status PosixFileStore::MoveToStage(const std::string& path, const std::string& stage) {
  if (Status s = ValidateStage(stage); !s.ok()) return s;
  // Not yet renamed into place itself: the caller copies instead.
  if (pending_.contains(path)) return Status::IOError(path + ": its publish is pending");
  std::string leaf;
  auto parent = OpenParent(path, /*create=*/false, &leaf);
  if (!parent.ok()) return parent.status();
  struct stat st {};
  if (::fstatat(parent->get(), leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return StatusFromErrno(path, errno);
  if (!S_ISREG(st.st_mode)) return Status::NotFound(path + ": not a regular file");
  // The stage dir is inside the data dir: one file system, unless a mount
  // point splits them (EXDEV), and then the caller copies.
  if (::renameat(parent->get(), leaf.c_str(), stage_fd_.get(), stage.c_str()) != 0)
    return StatusFromErrno("move " + path + " to stage " + stage, errno);
  return Status::Ok();
}

Result<Digest> PosixFileStore::HashStageRange(const std::string& stage, uint64_t offset,
                                              uint64_t length) {
  auto fd = OpenStage(stage, O_RDONLY);
  if (!fd.ok()) return fd.status();
  return HashRange(fd->get(), offset, length);
}

Result<Digest> PosixFileStore::HashStage(const std::string& stage) {
  auto fd = OpenStage(stage, O_RDONLY);
  if (!fd.ok()) return fd.status();
  Result<FileDigest> digest = HashFile(fd->get());
  if (!digest.ok()) return digest.status();
  return digest->whole;
}

void PosixFileStore::HashStageInBackground(const std::string& stage, HashDone done) {
  HashOpenedInBackground(OpenStage(stage, O_RDONLY), std::move(done));
}

Status PosixFileStore::ListStages(std::vector<std::string>* stages) {
  stages->clear();
  UniqueFd dir(OpenDirAt(stage_fd_.get(), "."));
  if (!dir.valid()) return StatusFromErrno("open " + std::string(kStageDirName), errno);
  Status s = ForEachEntry(dir.Release(), std::string(kStageDirName),
                          [&](int, const char* name, const struct stat& st) {
                            if (S_ISREG(st.st_mode) && ValidateStage(name).ok()) {
                              stages->push_back(name);
                            }
                          });
  std::sort(stages->begin(), stages->end());
  return s;
}

Result<FileInfo> PosixFileStore::Publish(const std::string& stage,
                                         const std::string& path) {
  if (Status s = ValidatePath(path); !s.ok()) return s;
  auto fd = OpenStage(stage, O_RDONLY);
  if (!fd.ok()) return fd.status();
  std::string leaf;
  auto parent = OpenParent(path, /*create=*/true, &leaf, &dirs_to_sync_);
  if (!parent.ok()) return parent.status();
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0) return StatusFromErrno(path, errno);
  const FileInfo info = InfoOf(path, st);
  // Fail now on what would make the rename fail in the flush, where the core
  // could no longer hear of it: a directory in the way.
  struct stat target {};
  if (::fstatat(parent->get(), leaf.c_str(), &target, AT_SYMLINK_NOFOLLOW) == 0 &&
      S_ISDIR(target.st_mode)) {
    return StatusFromErrno("publish " + path, EISDIR);
  }
  // The stage's name is free again at once (the core may begin it anew); a
  // leading dot is never a stage name, so ListStages skips it.
  const std::string aside = AsideName(next_aside_++);
  if (::renameat(stage_fd_.get(), stage.c_str(), stage_fd_.get(), aside.c_str()) != 0) {
    return StatusFromErrno("publish " + path, errno);
  }
  struct stat dir_st {};
  if (::fstat(parent->get(), &dir_st) != 0) return StatusFromErrno(path, errno);
  const DirKey dir{dir_st.st_dev, dir_st.st_ino};
  Dir& into = dirs_[dir];
  if (!into.fd.valid()) into.fd = std::move(*parent);
  ++into.pending;
  DropPending(path);
  pending_.emplace(path, Pending{aside, dir, leaf, info});
  return info;
}

Result<PosixFileStore::PublishBatch> PosixFileStore::TakePublishes() {
  PublishBatch batch;
  batch.id = ++last_flush_;
  batch.dirs = std::exchange(dirs_to_sync_, {});
  for (auto& [path, pending] : pending_) {
    if (pending.flush != 0) continue;
    pending.flush = batch.id;
    batch.intents.push_back({pending.aside, path});
  }
  // Many stages at once (a burst of small files): one syncfs costs one
  // journal commit where an fsync each costs one each. It also writes back
  // whatever else is dirty on the file system, which is why a few stages
  // are fsynced one by one (docs/runtime.md, "Durability").
  if (batch.intents.size() >= kSyncfsStages) {
    batch.syncfs.Reset(::dup(stage_fd_.get()));
    if (!batch.syncfs.valid()) return StatusFromErrno("dup", errno);
    return batch;
  }
  // Opened now: a later publish or remove of the path may unlink the stage
  // set aside while the flush thread syncs it.
  for (const PublishIntent& intent : batch.intents) {
    batch.data.emplace_back(::openat(stage_fd_.get(), intent.aside.c_str(),
                                     O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!batch.data.back().valid())
      return StatusFromErrno("publish " + intent.path, errno);
  }
  return batch;
}

Status PosixFileStore::SyncPublishBatch(const PublishBatch& batch) {
  if (batch.syncfs.valid() && ::syncfs(batch.syncfs.get()) != 0) {
    return StatusFromErrno("syncfs", errno);
  }
  // Writeback is started for all of them first, so that the fsyncs mostly
  // wait on journal commits they share rather than one each.
  for (const UniqueFd& fd : batch.data) {
    ::sync_file_range(fd.get(), 0, 0, SYNC_FILE_RANGE_WRITE);  // only a hint
  }
  for (const UniqueFd& fd : batch.data) {
    if (Status s = FsyncFd(fd.get(), "published stage"); !s.ok()) return s;
  }
  for (const UniqueFd& fd : batch.dirs) {
    if (Status s = FsyncFd(fd.get(), "directory"); !s.ok()) return s;
  }
  return Status::Ok();
}

Status PosixFileStore::CompletePublishes(const PublishBatch& batch) {
  std::set<DirKey> renamed_into;
  for (const PublishIntent& intent : batch.intents) {
    auto it = pending_.find(intent.path);
    if (it == pending_.end() || it->second.aside != intent.aside) continue;  // dropped
    const Pending& pending = it->second;
    if (::renameat(stage_fd_.get(), pending.aside.c_str(), dirs_.at(pending.dir).fd.get(),
                   pending.leaf.c_str()) != 0) {
      return StatusFromErrno("publish " + it->first, errno);
    }
    if (renamed_into.insert(pending.dir).second) {
      dirs_to_sync_.emplace_back(::dup(dirs_.at(pending.dir).fd.get()));
      if (!dirs_to_sync_.back().valid()) return StatusFromErrno("dup", errno);
    }
    ReleaseDir(pending.dir);
    pending_.erase(it);
  }
  return Status::Ok();
}

void PosixFileStore::ReleaseDir(const DirKey& dir) {
  auto it = dirs_.find(dir);
  if (it != dirs_.end() && --it->second.pending == 0) dirs_.erase(it);
}

Status PosixFileStore::Recover(const std::vector<PublishIntent>& committed) {
  for (const PublishIntent& intent : committed) {
    // An intent is the store's own record, but the database is a file on
    // disk like any other: its names are checked as if they came from
    // outside.
    if (!IsAsideName(intent.aside) || !ValidatePath(intent.path).ok()) {
      Log("recover: ignoring a malformed publish intent");
      continue;
    }
    struct stat st {};
    if (::fstatat(stage_fd_.get(), intent.aside.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      continue;  // renamed before the crash
    }
    std::string leaf;
    auto parent = OpenParent(intent.path, /*create=*/true, &leaf);
    if (!parent.ok()) return parent.status();
    if (::renameat(stage_fd_.get(), intent.aside.c_str(), parent->get(), leaf.c_str()) !=
        0)
      return StatusFromErrno("recover publish of " + intent.path, errno);
    if (Status s = FsyncFd(parent->get(), "directory of " + intent.path); !s.ok())
      return s;
    Log("recovered the publish of " + intent.path);
  }
  UniqueFd stages(OpenDirAt(stage_fd_.get(), "."));
  if (!stages.valid())
    return StatusFromErrno("open " + std::string(kStageDirName), errno);
  return ForEachEntry(stages.Release(), std::string(kStageDirName),
                      [](int dir, const char* name, const struct stat& st) {
                        if (IsAsideName(name) && S_ISREG(st.st_mode))
                          ::unlinkat(dir, name, 0);
                      });
}

bool PosixFileStore::DropPending(const std::string& path) {
  auto it = pending_.find(path);
  if (it == pending_.end()) return false;
  ::unlinkat(stage_fd_.get(), it->second.aside.c_str(), 0);
  ReleaseDir(it->second.dir);
  pending_.erase(it);
  return true;
}

void PosixFileStore::DiscardStage(const std::string& stage) {
  if (!ValidateStage(stage).ok()) return;
  if (::unlinkat(stage_fd_.get(), stage.c_str(), 0) != 0 && errno != ENOENT) {
    Log("discard stage " + stage + ": " + std::strerror(errno));
  }
}

}  // namespace dds
