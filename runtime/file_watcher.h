// Recursive inotify watch on a node's data dir.
//
// Reports the relative path of every regular file that is closed after
// writing, moved in, deleted or moved out, on the io_context, so the node
// hears of changes at once. New subdirectories are watched as they appear, and
// the files already inside them reported (they may have been written before
// the watch existed). Names starting with ".dds" at the top of the data dir
// are dds's own and ignored; any other name ValidatePath refuses is reported
// as it is (a directory is not entered), for the node to report it.
//
// What it cannot see, it says: a directory it could not watch for lack of
// inotify watches (fs.inotify.max_user_watches) makes the watch incomplete
// (logged once, with the fix), and a queue overflow loses events; both are
// reported to the caller, so the node can show it and scan at once. The
// core's periodic scan is the safety net for what is missed.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace dds {

struct WatchOptions {
  // TEST ONLY: refuse watches beyond this many, as the kernel does once
  // fs.inotify.max_user_watches is reached (0: no such limit).
  size_t test_watch_limit = 0;
};

// A path the watcher reports: an event's (closed after writing, moved in,
// deleted, moved out: its writer is done with it), or `found` in a directory
// that just appeared (a writer may still be at work on it).
struct WatchedPath {
  std::string path;
  bool found = false;
  bool operator==(const WatchedPath&) const = default;
};

class FileWatcher {
 public:
  // Paths reported by one read of the inotify queue, in order (a burst of
  // writes arrives together, so the node handles it in one callback).
  using Callback = std::function<void(const std::vector<WatchedPath>& paths)>;
  // Events were or may be missed: `complete` is false while some directory
  // has no watch; `lost` is set when the queue overflowed.
  using GapCallback = std::function<void(bool complete, bool lost)>;

  using Options = WatchOptions;

  // Watches `root` and everything below it; events go to `callback`, gaps
  // to `on_gap` (also once at the start if the watch is incomplete).
  static Result<std::unique_ptr<FileWatcher>> Start(boost::asio::io_context& io,
                                                    const std::string& root,
                                                    Callback callback, GapCallback on_gap,
                                                    Options options = {});
  // Every directory of the tree has its watch.
  bool complete() const { return refused_ == 0; }
  ~FileWatcher();
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

  void Stop();

 private:
  FileWatcher(boost::asio::io_context& io, std::string root, int inotify_fd,
              Callback callback, GapCallback on_gap, Options options);
  // A directory could not be watched: out of watches.
  void Refused(const std::string& absolute);

  // Watches `dir` (relative, "" for the root) and its subdirectories. With
  // `report`, also adds every file found to `found` (a directory that just
  // appeared).
  void WatchTree(const std::string& dir, bool report, std::vector<WatchedPath>* found);
  void Unwatch(const std::string& dir);
  void Read();
  void Handle(int wd, uint32_t mask, const std::string& name,
              std::vector<WatchedPath>* paths);

  const std::string root_;
  boost::asio::posix::stream_descriptor inotify_;
  Callback callback_;
  GapCallback on_gap_;
  const Options options_;
  std::map<int, std::string> dirs_;  // watch descriptor -> relative dir ("" = root)
  size_t refused_ = 0;               // directories left unwatched for lack of watches
  std::vector<char> buffer_;
  bool stopped_ = false;
};

}  // namespace dds
