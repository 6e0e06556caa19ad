// Goal: background hashes start in order, never more than the bound at once;
// a path waits once however often it is added; one added while hashed is
// reported as touched again when its hash comes back.
#include "core/hash_queue.h"

#include <boost/test/unit_test.hpp>

namespace dds {
namespace {

BOOST_AUTO_TEST_SUITE(hash_queue)

BOOST_AUTO_TEST_CASE(at_most_the_bound_are_hashed_at_once_in_the_order_added) {
  HashQueue q(2);
  q.Add("a", 1);
  q.Add("b", 2);
  q.Add("a", 1);  // already waiting: once
  q.Add("c", 1);
  BOOST_TEST((q.WithSize(1) == std::vector<std::string>{"a", "c"}));
  BOOST_TEST(q.waiting() == 3u);
  BOOST_TEST(q.Start().value() == "a");
  BOOST_TEST(q.Start().value() == "b");
  BOOST_TEST(!q.Start().has_value());  // two in flight
  BOOST_TEST(q.in_flight() == 2u);
  BOOST_TEST(q.Contains("c"));
  BOOST_TEST(!q.Finish("a"));
  BOOST_TEST(!q.Contains("a"));
  BOOST_TEST(q.Start().value() == "c");
  BOOST_TEST(!q.Start().has_value());  // none waits
  BOOST_TEST(!q.Finish("b"));
  BOOST_TEST(!q.Finish("c"));
  BOOST_TEST(q.in_flight() == 0u);
  BOOST_TEST(q.waiting() == 0u);
}

BOOST_AUTO_TEST_CASE(a_path_touched_while_hashed_is_looked_at_again) {
  HashQueue q(1);
  q.Add("a", 5);
  BOOST_TEST(q.Start().value() == "a");
  q.Add("a", 6);
  q.Touched("a");
  BOOST_TEST(q.WithSize(6).size() == 1u);  // as last seen
  BOOST_TEST(q.waiting() == 0u);           // not queued behind itself
  BOOST_TEST(q.Contains("a"));
  BOOST_TEST(q.Finish("a"));
  BOOST_TEST(!q.Contains("a"));
  BOOST_TEST(q.WithSize(6).empty());
  q.Add("a", 6);
  BOOST_TEST(q.Start().value() == "a");
  BOOST_TEST(!q.Finish("a"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
