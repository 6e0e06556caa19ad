// Goal: a path comes due once nothing has touched it for the quiet time, a
// touch pushes it back, and stale queue entries never surface.
#include "core/settle_queue.h"

#include <boost/test/unit_test.hpp>

namespace dds {
namespace {

using std::chrono::milliseconds;

Instant At(int64_t ms) { return Instant(milliseconds(ms)); }

BOOST_AUTO_TEST_SUITE(settle_queue)

BOOST_AUTO_TEST_CASE(a_path_is_due_after_the_quiet_time_and_a_touch_pushes_it_back) {
  SettleQueue q(milliseconds(100));
  const SettleQueue::Look first{true, 10, 1};
  const SettleQueue::Look grown{true, 20, 2};
  q.Touch("a", first, At(0));
  q.Touch("b", {}, At(10));
  BOOST_TEST(q.Contains("a"));
  BOOST_TEST((q.NextDue() == At(100)));
  q.Touch("a", grown, At(50));  // still being written
  BOOST_TEST((q.NextDue() == At(110)));
  BOOST_TEST(q.TakeDue(At(109)).empty());
  auto due = q.TakeDue(At(110));
  BOOST_REQUIRE(due.size() == 1u);
  BOOST_TEST(due[0].first == "b");
  BOOST_TEST(!due[0].second.present);
  due = q.TakeDue(At(150));
  BOOST_REQUIRE(due.size() == 1u);
  BOOST_TEST(due[0].first == "a");
  BOOST_TEST((due[0].second == grown));
  BOOST_TEST(q.size() == 0u);
  BOOST_TEST(!q.NextDue().has_value());
  BOOST_TEST(!q.Contains("a"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
