// Goal: a node follows the leader among the masters it knows, and obeys no
// master of a term older than one it has seen.
// Method: MasterLink alone, fed the answers masters give (NotLeader, the
// terms of Welcomes).
#include "core/master_link.h"

#include <boost/test/unit_test.hpp>

namespace dds {
namespace {

BOOST_AUTO_TEST_SUITE(master_link)

BOOST_AUTO_TEST_CASE(a_lone_master_is_always_the_one) {
  MasterLink link({"m:1"});
  link.Next();
  BOOST_TEST(link.current() == "m:1");
  BOOST_TEST(!link.Redirect(NotLeader{}));
  BOOST_TEST(link.Accept(0));  // a master that stands alone has no term
  BOOST_TEST(link.current() == "m:1");
}

BOOST_AUTO_TEST_CASE(it_tries_each_master_in_turn) {
  MasterLink link({"a:1", "b:1", "c:1"});
  BOOST_TEST(link.current() == "a:1");
  link.Next();
  BOOST_TEST(link.current() == "b:1");
  link.Next();
  link.Next();
  BOOST_TEST(link.current() == "a:1");
}

BOOST_AUTO_TEST_CASE(a_standby_sends_it_to_the_leader_it_names) {
  MasterLink link({"a:1", "b:1", "c:1"});
  BOOST_TEST(link.Redirect(NotLeader{"c:1", 7}));
  BOOST_TEST(link.current() == "c:1");
  // The master named is taking over: stay, and ask again later.
  BOOST_TEST(!link.Redirect(NotLeader{"c:1", 7}));
  BOOST_TEST(link.current() == "c:1");
}

BOOST_AUTO_TEST_CASE(an_unknown_or_absent_leader_means_the_next_master) {
  MasterLink link({"a:1", "b:1"});
  BOOST_TEST(link.Redirect(NotLeader{}));  // no leader known
  BOOST_TEST(link.current() == "b:1");
  // An address the node was not given is not dialled.
  BOOST_TEST(link.Redirect(NotLeader{"evil:1", 9}));
  BOOST_TEST(link.current() == "a:1");
}

BOOST_AUTO_TEST_CASE(an_older_term_is_not_obeyed) {
  MasterLink link({"a:1", "b:1"});
  BOOST_TEST(link.Accept(5));
  BOOST_TEST(link.term() == 5u);
  BOOST_TEST(link.Accept(9));
  BOOST_TEST(!link.Accept(5));  // a deposed leader that has not noticed yet
  BOOST_TEST(link.term() == 9u);
  // Nor is a pointer to the leader of an older term followed.
  BOOST_TEST(link.Redirect(NotLeader{"a:1", 5}));
  BOOST_TEST(link.current() == "b:1");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
