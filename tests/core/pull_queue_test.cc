// Goal: the pull queue hands out large files a few at a time and small ones
// many at a time, bounded in count and bytes, in path order within each
// kind; wanting a path again updates it; a small file never waits for ever
// behind the byte bound. Method: a PullQueue with literal limits.
#include "core/pull_queue.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "core/entry.h"

namespace dds {
namespace {

constexpr uint64_t kBig = 3 * kChunkBytes;

std::vector<std::string> TakeAll(PullQueue& q) {
  std::vector<std::string> taken;
  while (std::optional<PullQueue::Next> next = q.Take()) taken.push_back(next->path);
  return taken;
}

using Paths = std::vector<std::string>;

BOOST_AUTO_TEST_CASE(large_files_go_a_few_at_a_time_before_small_ones) {
  PullQueue q({/*large=*/2, /*small=*/2, /*small_bytes=*/1 << 30});
  q.Want("z-big", kBig, false);
  q.Want("a-big", kBig, false);
  q.Want("m-big", kBig, false);
  q.Want("s1", 10, false);
  q.Want("s2", 10, false);
  q.Want("s3", 10, false);
  BOOST_TEST(q.size() == 6u);
  auto first = q.Take();
  BOOST_TEST(first->path == "a-big");
  q.Started(kBig);
  BOOST_TEST(q.Take()->path == "m-big");
  q.Started(kBig);
  // Two large running: small ones go, two at most.
  BOOST_TEST(q.Take()->path == "s1");
  q.Started(10);
  BOOST_TEST(q.Take()->path == "s2");
  q.Started(10);
  BOOST_TEST(!q.Take());
  q.Stopped(kBig);
  BOOST_TEST(q.Take()->path == "z-big");
  q.Started(kBig);
  q.Stopped(10);
  BOOST_TEST((TakeAll(q) == Paths{"s3"}));
  BOOST_TEST(q.size() == 0u);
}

BOOST_AUTO_TEST_CASE(small_files_are_bounded_in_bytes_but_one_always_goes) {
  PullQueue q({8, 100, /*small_bytes=*/1000});
  q.Want("a", 600, false);
  q.Want("b", 600, false);
  q.Want("c", kChunkBytes, false);  // larger than the bound on its own
  BOOST_TEST(q.Take()->path == "a");
  q.Started(600);
  BOOST_TEST(!q.Take());  // b would pass the bound
  q.Stopped(600);
  BOOST_TEST(q.Take()->path == "b");
  q.Started(600);
  q.Stopped(600);
  BOOST_TEST(q.Take()->path == "c");  // nothing small running: it goes
}

BOOST_AUTO_TEST_CASE(wanting_again_updates_and_unwant_forgets) {
  PullQueue q({8, 100, 1 << 20});
  q.Want("p", kBig, false);
  q.Want("p", 10, true);  // a new version, now small, came as news
  BOOST_TEST(q.size() == 1u);
  BOOST_TEST(q.Wants("p"));
  auto next = q.Take();
  BOOST_TEST(next->path == "p");
  BOOST_TEST(next->pushed);
  BOOST_TEST(!q.Wants("p"));
  q.Want("x", 10, false);
  q.Unwant("x");
  BOOST_TEST(!q.Take());
}

}  // namespace
}  // namespace dds
