// inotify-based data dir watcher; see file_watcher.h.
#include "runtime/file_watcher.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/path.h"
#include "runtime/log.h"

namespace dds {
namespace {

constexpr uint32_t kWatchMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                                IN_CREATE | IN_ONLYDIR | IN_DONT_FOLLOW;
constexpr size_t kBufferBytes = 64 << 10;

std::string Join(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : dir + "/" + name;
}

// dds's own files: ".dds" names at the top of the data dir (staging, state).
bool IsOwn(const std::string& dir, std::string_view name) {
  return dir.empty() && name.starts_with(kReservedPrefix);
}

}  // namespace

Result<std::unique_ptr<FileWatcher>> FileWatcher::Start(boost::asio::io_context& io,
                                                        const std::string& root,
                                                        Callback callback,
                                                        GapCallback on_gap,
                                                        Options options) {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0)
    return Status::IOError(std::string("inotify_init1: ") + std::strerror(errno));
  std::unique_ptr<FileWatcher> watcher(
      new FileWatcher(io, root, fd, std::move(callback), std::move(on_gap), options));
  watcher->WatchTree("", /*report=*/false, nullptr);
  if (watcher->dirs_.empty()) return Status::IOError("cannot watch " + root);
  if (!watcher->complete()) watcher->on_gap_(false, false);
  watcher->Read();
  return watcher;
}

FileWatcher::FileWatcher(boost::asio::io_context& io, std::string root, int inotify_fd,
                         Callback callback, GapCallback on_gap, Options options)
    : root_(std::move(root)),
      inotify_(io, inotify_fd),
      callback_(std::move(callback)),
      on_gap_(std::move(on_gap)),
      options_(options),
      buffer_(kBufferBytes) {}

void FileWatcher::Refused(const std::string& absolute) {
  if (refused_++ > 0) return;  // Said once; the node's status shows it.
  std::string limit = "?";
  if (FILE* f = std::fopen("/proc/sys/fs/inotify/max_user_watches", "r")) {
    char line[32] = {};
    if (std::fgets(line, sizeof(line), f))
      limit = std::string(line, std::strcspn(line, "\n"));
    std::fclose(f);
  }
  Log("inotify: no watch left for " + absolute +
      " (fs.inotify.max_user_watches = " + limit + ", " + std::to_string(dirs_.size()) +
      " directories watched): changes there are found only by the periodic scan; raise "
      "it, for example: sysctl -w fs.inotify.max_user_watches=" +
      std::to_string(std::max<size_t>(524288, 4 * dirs_.size())));
}

FileWatcher::~FileWatcher() { Stop(); }

void FileWatcher::Stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  inotify_.close(ignored);
}

void FileWatcher::WatchTree(const std::string& dir, bool report,
                            std::vector<WatchedPath>* found) {
  const std::string absolute = dir.empty() ? root_ : root_ + "/" + dir;
  const bool over_limit =
      options_.test_watch_limit != 0 && dirs_.size() >= options_.test_watch_limit;
  const int wd = over_limit ? -1
                            : ::inotify_add_watch(inotify_.native_handle(),
                                                  absolute.c_str(), kWatchMask);
  if (wd < 0) {
    if (over_limit || errno == ENOSPC) {
      const bool was_complete = complete();
      Refused(absolute);
      // Start tells of a gap found while it builds the tree itself.
      if (was_complete && report) on_gap_(false, false);
    } else {
      Log("watch " + absolute + ": " + std::strerror(errno));
    }
    return;
  }
  dirs_[wd] = dir;
  DIR* handle = ::opendir(absolute.c_str());
  if (handle == nullptr) return;
  while (const dirent* entry = ::readdir(handle)) {
    const std::string name = entry->d_name;
    if (name == "." || name == ".." || IsOwn(dir, name)) continue;
    const std::string path = Join(dir, name);
    struct stat st {};
    if (::fstatat(::dirfd(handle), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
      continue;
    const bool valid = ValidatePath(path).ok();
    if (S_ISDIR(st.st_mode) && valid) {
      WatchTree(path, report, found);
    } else if (report && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) {
      found->push_back({path, true});  // A refused directory: reported, not entered.
    }
  }
  ::closedir(handle);
}

void FileWatcher::Unwatch(const std::string& dir) {
  for (auto it = dirs_.begin(); it != dirs_.end();) {
    const std::string& watched = it->second;
    if (watched == dir || watched.starts_with(dir + "/")) {
      ::inotify_rm_watch(inotify_.native_handle(), it->first);
      it = dirs_.erase(it);
    } else {
      ++it;
    }
  }
}

void FileWatcher::Read() {
  inotify_.async_read_some(
      boost::asio::buffer(buffer_), [this](boost::system::error_code ec, size_t bytes) {
        // Aborted: the watcher stopped and may already be gone; touch nothing.
        if (ec == boost::asio::error::operation_aborted || stopped_) return;
        if (ec) {
          Log("inotify read: " + ec.message() + "; relying on periodic scans");
          return;
        }
        std::vector<WatchedPath> paths;
        for (size_t offset = 0; offset + sizeof(inotify_event) <= bytes;) {
          inotify_event event;
          std::memcpy(&event, buffer_.data() + offset, sizeof event);
          const char* name = buffer_.data() + offset + sizeof event;
          Handle(event.wd, event.mask, event.len > 0 ? std::string(name) : std::string(),
                 &paths);
          offset += sizeof event + event.len;
        }
        if (!paths.empty()) callback_(paths);
        Read();
      });
}

void FileWatcher::Handle(int wd, uint32_t mask, const std::string& name,
                         std::vector<WatchedPath>* paths) {
  if (mask & IN_Q_OVERFLOW) {
    Log("inotify queue overflowed: events were lost; scanning the data dir");
    on_gap_(complete(), /*lost=*/true);
    return;
  }
  if (mask & IN_IGNORED) {
    dirs_.erase(wd);
    return;
  }
  auto dir = dirs_.find(wd);
  if (dir == dirs_.end() || name.empty() || IsOwn(dir->second, name)) return;
  const std::string path = Join(dir->second, name);
  if (!ValidatePath(path).ok()) {
    // Not entered, never replicated: the node reports the name.
    if (mask & (IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE)) paths->push_back({path});
    return;
  }
  if (mask & IN_ISDIR) {
    // A directory moved or created inside the tree: (re)watch it and report
    // what it holds. One moved out or deleted: drop its watches.
    if (mask & (IN_CREATE | IN_MOVED_TO)) WatchTree(path, /*report=*/true, paths);
    if (mask & (IN_MOVED_FROM | IN_DELETE)) Unwatch(path);
    return;
  }
  if (mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM)) {
    paths->push_back({path});
  }
}

}  // namespace dds
