// FileWatcher: events are reported per read; a tree the watcher cannot cover
// whole (out of inotify watches, forced here by the test-only limit) is said
// to be incomplete at once, and a directory that appears later beyond the
// limit too, so the node can show it and rely on its scan.
#include "runtime/file_watcher.h"

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "runtime/tests/test_util.h"

namespace dds {
namespace {

using testing::RunUntil;
using testing::TempDir;
using testing::WriteFile;

struct Watched {
  std::set<std::string> paths;
  std::vector<std::pair<bool, bool>> gaps;  // (complete, lost)
};

std::unique_ptr<FileWatcher> Watch(boost::asio::io_context& io, const std::string& root,
                                   Watched* seen, size_t limit) {
  WatchOptions options;
  options.test_watch_limit = limit;
  auto watcher = FileWatcher::Start(
      io, root,
      [seen](const std::vector<WatchedPath>& paths) {
        for (const WatchedPath& p : paths) seen->paths.insert(p.path);
      },
      [seen](bool complete, bool lost) { seen->gaps.emplace_back(complete, lost); },
      options);
  BOOST_REQUIRE(watcher.ok());
  return std::move(*watcher);
}

BOOST_AUTO_TEST_SUITE(file_watcher)

BOOST_AUTO_TEST_CASE(reports_writes_in_watched_directories) {
  TempDir dir;
  std::filesystem::create_directories(dir / "a/b");
  boost::asio::io_context io;
  Watched seen;
  auto watcher = Watch(io, dir.path(), &seen, 0);
  BOOST_TEST(watcher->complete());
  BOOST_TEST(seen.gaps.empty());
  WriteFile(dir / "a/b/f.txt", "x");
  WriteFile(dir / "new/g.txt", "y");  // a directory that appears: watched too
  BOOST_REQUIRE(RunUntil(io, [&] {
    return seen.paths.contains("a/b/f.txt") && seen.paths.contains("new/g.txt");
  }));
}

BOOST_AUTO_TEST_CASE(a_tree_larger_than_the_watches_is_said_to_be_incomplete) {
  TempDir dir;
  for (const char* d : {"a", "b", "c", "d"}) std::filesystem::create_directories(dir / d);
  boost::asio::io_context io;
  Watched seen;
  auto watcher = Watch(io, dir.path(), &seen, 3);  // the root and two of four
  BOOST_TEST(!watcher->complete());
  BOOST_REQUIRE(seen.gaps.size() == 1u);
  BOOST_TEST(!seen.gaps[0].first);
  BOOST_TEST(!seen.gaps[0].second);
}

BOOST_AUTO_TEST_CASE(a_directory_beyond_the_watches_later_is_said_too) {
  TempDir dir;
  std::filesystem::create_directories(dir / "a");
  boost::asio::io_context io;
  Watched seen;
  auto watcher = Watch(io, dir.path(), &seen, 2);  // the root and "a": all of it
  BOOST_TEST(watcher->complete());
  WriteFile(dir / "later/f.txt", "z");
  BOOST_REQUIRE(RunUntil(io, [&] { return !seen.gaps.empty(); }));
  BOOST_TEST(!watcher->complete());
  BOOST_TEST(!seen.gaps[0].first);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
