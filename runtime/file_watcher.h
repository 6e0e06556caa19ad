// Recursive inotify watch on a node's data dir.
//
// Reports the relative path of every regular file that is closed after
// writing, moved in, deleted or moved out, on the io_context, so the node
// hears of changes at once. New subdirectories are watched as they appear, and
// the files already inside them reported (they may have been written before
// the watch existed). Names starting with ".dds" are ignored. inotify can
// still miss events (queue overflow, directories moved out whole); the core's
// periodic full scan is the safety net for those.
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

class FileWatcher {
 public:
  // Paths reported by one read of the inotify queue, in order (a burst of
  // writes arrives together, so the node handles it in one callback).
  using Callback = std::function<void(const std::vector<std::string>& paths)>;

  // Watches `root` and everything below it; events go to `callback`.
  static Result<std::unique_ptr<FileWatcher>> Start(boost::asio::io_context& io,
                                                    const std::string& root,
                                                    Callback callback);
  ~FileWatcher();
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

  void Stop();

 private:
  FileWatcher(boost::asio::io_context& io, std::string root, int inotify_fd,
              Callback callback);

  // Watches `dir` (relative, "" for the root) and its subdirectories. With
  // `report`, also adds every file found to `found` (a directory that just
  // appeared).
  void WatchTree(const std::string& dir, bool report, std::vector<std::string>* found);
  void Unwatch(const std::string& dir);
  void Read();
  void Handle(int wd, uint32_t mask, const std::string& name,
              std::vector<std::string>* paths);

  const std::string root_;
  boost::asio::posix::stream_descriptor inotify_;
  Callback callback_;
  std::map<int, std::string> dirs_;  // watch descriptor -> relative dir ("" = root)
  std::vector<char> buffer_;
  bool stopped_ = false;
};

}  // namespace dds
