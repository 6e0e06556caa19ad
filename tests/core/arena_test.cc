// Goal: the catalog's dense storage keeps every path readable for the
// arena's life, across many blocks, and the pool reuses freed nodes before
// taking new memory. Method: store paths across block boundaries, fill and
// empty a pooled std::set, and compare addresses.
#include "core/arena.h"

#include <boost/test/unit_test.hpp>
#include <set>
#include <string>
#include <vector>

namespace dds {
namespace {

BOOST_AUTO_TEST_CASE(paths_survive_later_blocks) {
  PathArena arena;
  std::vector<std::string_view> views;
  for (int i = 0; i < 50000; ++i)
    views.push_back(arena.Store("dir/file-" + std::to_string(i)));
  views.push_back(arena.Store(std::string(1 << 20, 'x')));  // larger than a block
  for (int i = 0; i < 50000; ++i) BOOST_TEST(views[i] == "dir/file-" + std::to_string(i));
  BOOST_TEST(views.back().size() == size_t{1} << 20);
  BOOST_TEST(arena.Store("").empty());
}

BOOST_AUTO_TEST_CASE(freed_slots_are_reused_first) {
  NodePool pool(24);
  void* a = pool.Take();
  void* b = pool.Take();
  BOOST_TEST(a != b);
  pool.Give(a);
  BOOST_TEST(pool.Take() == a);
}

BOOST_AUTO_TEST_CASE(a_pooled_set_behaves_as_a_set) {
  std::set<int, std::less<>, PoolAllocator<int>> set;
  for (int i = 0; i < 10000; ++i) set.insert(i * 7 % 10000);
  BOOST_TEST(set.size() == 10000u);
  BOOST_TEST(*set.begin() == 0);
  for (int i = 0; i < 10000; i += 2) set.erase(i);
  BOOST_TEST(set.size() == 5000u);
  for (int i = 0; i < 10000; i += 2) set.insert(i);
  BOOST_TEST(set.size() == 10000u);
  int expected = 0;
  for (int v : set) BOOST_TEST(v == expected++);
}

}  // namespace
}  // namespace dds
