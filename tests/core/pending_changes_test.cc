// Goal: the node's bound "every change below this id is settled" is the
// lowest id still waiting, whatever order changes are replaced and answered
// in, so the master never forgets a decision a node may still ask about.
// Method: drive PendingChanges through replacements and answers and check
// the bound and the contents after each step.
#include "core/pending_changes.h"

#include <boost/test/unit_test.hpp>

namespace dds {
namespace {

Change ChangeOf(const std::string& path, uint64_t id) {
  Change change;
  change.path = path;
  change.id = id;
  return change;
}

BOOST_AUTO_TEST_CASE(settled_below_is_the_lowest_pending_id) {
  PendingChanges pending;
  BOOST_TEST(pending.SettledBelow(7) == 7u);  // nothing pending: all settled
  pending.Set(ChangeOf("a", 3), Instant{});
  pending.Set(ChangeOf("b", 5), Instant{});
  BOOST_TEST(pending.SettledBelow(9) == 3u);
  pending.Erase("a");
  BOOST_TEST(pending.SettledBelow(9) == 5u);
  pending.Erase("b");
  BOOST_TEST(pending.SettledBelow(9) == 9u);
}

BOOST_AUTO_TEST_CASE(a_newer_change_of_a_path_replaces_the_older) {
  PendingChanges pending;
  pending.Set(ChangeOf("a", 3), Instant{});
  pending.Set(ChangeOf("a", 8), Instant{});
  BOOST_TEST(pending.size() == 1u);
  BOOST_TEST(pending.Find("a")->change.id == 8u);
  BOOST_TEST(pending.SettledBelow(9) == 8u);  // id 3 is no longer waited for
}

BOOST_AUTO_TEST_CASE(an_answer_to_an_older_change_keeps_the_newer) {
  PendingChanges pending;
  pending.Set(ChangeOf("a", 3), Instant{});
  pending.Set(ChangeOf("a", 8), Instant{});
  pending.EraseIf("a", 3);
  BOOST_TEST(pending.Find("a") != nullptr);
  pending.EraseIf("a", 8);
  BOOST_TEST(pending.Find("a") == nullptr);
  BOOST_TEST(pending.SettledBelow(9) == 9u);
}

BOOST_AUTO_TEST_CASE(visits_in_path_order) {
  PendingChanges pending;
  pending.Set(ChangeOf("c", 1), Instant{});
  pending.Set(ChangeOf("a", 2), Instant{});
  pending.Set(ChangeOf("b", 3), Instant{});
  std::string order;
  pending.ForEach([&](PendingChanges::Pending& p) { order += p.change.path; });
  BOOST_TEST(order == "abc");
}

}  // namespace
}  // namespace dds
