// Goal: the node's follower of the master's log keeps its catalog copy at a
// cursor that only ever names a prefix of the log it has applied: pages in
// order, one in flight; an answer to an older request ignored and asked
// again; a snapshot whose unlisted entries go only once it is whole; pushes
// that follow the cursor move it, a gap asks once, another epoch's pushes
// are ignored; a request lost on the way is asked again after the stall
// time, not before. Method: a LogFollower over a fake catalog that records
// what it is told, on literal times.
#include "core/log_follower.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

namespace dds {
namespace {

using std::chrono::milliseconds;

Instant At(int64_t ms) { return Instant(milliseconds(ms)); }

CatalogEntry Entry(const std::string& path, uint64_t seq) {
  CatalogEntry e;
  e.path = path;
  e.version = 1;
  e.size = 1;
  e.seq = seq;
  return e;
}

class FakeCatalog final : public LogFollower::CatalogCopy {
 public:
  bool Apply(const CatalogEntry& entry) override {
    log.push_back("apply " + entry.path);
    return true;
  }
  void Changed(const std::string& path, bool pushed) override {
    log.push_back(std::string(pushed ? "pushed " : "changed ") + path);
  }
  void SnapshotBegins(bool replacing) override {
    log.push_back(replacing ? "snapshot replacing" : "snapshot");
  }
  void SnapshotEnds() override { log.push_back("snapshot whole"); }
  bool Request(const Cursor& after) override {
    if (!linked) return false;
    log.push_back("ask after " + std::to_string(after.epoch) + ":" +
                  std::to_string(after.seq));
    return true;
  }
  void SaveCursor(const Cursor& cursor) override {
    log.push_back("save " + std::to_string(cursor.epoch) + ":" +
                  std::to_string(cursor.seq));
  }
  std::vector<std::string> Take() { return std::exchange(log, {}); }

  bool linked = true;
  std::vector<std::string> log;
};

CatalogPage Page(Cursor after, Cursor last, Cursor head, bool reset,
                 std::vector<CatalogEntry> entries) {
  return CatalogPage{after, std::move(entries), last, head, reset};
}

struct Fixture {
  FakeCatalog catalog;
  LogFollower follower{&catalog, milliseconds(2000)};
};

using Log = std::vector<std::string>;

BOOST_FIXTURE_TEST_CASE(pages_come_one_at_a_time_and_move_the_cursor, Fixture) {
  follower.Restore({7, 10});
  follower.OnHead({7, 14}, At(0));
  BOOST_TEST(catalog.Take() == Log{"ask after 7:10"});
  follower.OnHead({7, 14}, At(500));  // asked already: no second request
  BOOST_TEST(catalog.Take().empty());
  follower.OnPage(
      Page({7, 10}, {7, 12}, {7, 14}, false, {Entry("a", 11), Entry("b", 12)}), At(600));
  BOOST_TEST(catalog.Take() == (Log{"apply a", "apply b", "save 7:12", "ask after 7:12",
                                    "changed a", "changed b"}));
  follower.OnPage(Page({7, 12}, {7, 14}, {7, 14}, false, {Entry("c", 14)}), At(700));
  BOOST_TEST(catalog.Take() == (Log{"apply c", "save 7:14", "changed c"}));
  BOOST_TEST(follower.cursor().seq == 14u);
  follower.OnHead({7, 14}, At(800));  // in step: nothing to ask
  BOOST_TEST(catalog.Take().empty());
}

BOOST_FIXTURE_TEST_CASE(an_answer_to_an_older_request_is_asked_again, Fixture) {
  follower.Restore({7, 10});
  follower.OnHead({7, 20}, At(0));
  catalog.Take();
  follower.OnPage(Page({7, 5}, {7, 9}, {7, 20}, false, {Entry("old", 9)}), At(10));
  BOOST_TEST(catalog.Take() == Log{"ask after 7:10"});
  BOOST_TEST(follower.cursor().seq == 10u);
  // A page nobody asked for (a registration crossed it) changes nothing.
  follower.Forget();
  follower.OnPage(Page({7, 10}, {7, 20}, {7, 20}, false, {Entry("x", 20)}), At(20));
  BOOST_TEST(catalog.Take().empty());
}

BOOST_FIXTURE_TEST_CASE(a_snapshot_drops_the_unlisted_only_when_whole, Fixture) {
  follower.Restore({7, 10});
  follower.OnHead({9, 3}, At(0));
  catalog.Take();
  follower.OnPage(Page({9, 0}, {9, 2}, {9, 3}, true, {Entry("a", 1), Entry("b", 2)}),
                  At(10));
  // Mid-snapshot the old cursor stays saved: a restart starts it again.
  BOOST_TEST(catalog.Take() == (Log{"snapshot replacing", "apply a", "apply b",
                                    "ask after 9:2", "changed a", "changed b"}));
  follower.OnPage(Page({9, 2}, {9, 3}, {9, 3}, false, {Entry("c", 3)}), At(20));
  BOOST_TEST(catalog.Take() ==
             (Log{"apply c", "snapshot whole", "save 9:3", "changed c"}));
}

BOOST_FIXTURE_TEST_CASE(pushes_move_the_cursor_and_a_gap_asks_once, Fixture) {
  follower.Restore({7, 10});
  follower.OnUpdates(EntryUpdates{7, {Entry("a", 11), Entry("b", 12)}}, At(0));
  BOOST_TEST(catalog.Take() ==
             (Log{"apply a", "apply b", "pushed a", "pushed b", "save 7:12"}));
  follower.OnUpdates(EntryUpdates{7, {Entry("d", 14)}}, At(10));  // 13 was lost
  BOOST_TEST(catalog.Take() == (Log{"apply d", "pushed d", "ask after 7:12"}));
  follower.OnUpdates(EntryUpdates{7, {Entry("e", 15)}}, At(20));  // asked already
  BOOST_TEST(catalog.Take() == (Log{"apply e", "pushed e"}));
  follower.OnUpdates(EntryUpdates{8, {Entry("z", 1)}}, At(30));  // another master's log
  BOOST_TEST(catalog.Take().empty());
  BOOST_TEST(follower.cursor().seq == 12u);
}

// A move is a new path and the old one's tombstone: the node must hear of
// the new path first, so it renames the file instead of deleting it.
BOOST_FIXTURE_TEST_CASE(new_versions_are_announced_before_tombstones, Fixture) {
  follower.Restore({7, 10});
  CatalogEntry gone = Entry("old", 11);
  gone.tombstone = true;
  follower.OnUpdates(EntryUpdates{7, {gone, Entry("new", 12)}}, At(0));
  BOOST_TEST(catalog.Take() ==
             (Log{"apply old", "apply new", "pushed new", "pushed old", "save 7:12"}));
  follower.OnHead({7, 14}, At(10));
  catalog.Take();
  CatalogEntry also_gone = Entry("x", 13);
  also_gone.tombstone = true;
  follower.OnPage(Page({7, 12}, {7, 14}, {7, 14}, false, {also_gone, Entry("y", 14)}),
                  At(20));
  BOOST_TEST(catalog.Take() ==
             (Log{"apply x", "apply y", "save 7:14", "changed y", "changed x"}));
}

BOOST_FIXTURE_TEST_CASE(a_lost_request_is_asked_again_after_the_stall_time, Fixture) {
  follower.Restore({7, 10});
  catalog.linked = false;
  follower.OnHead({7, 12}, At(0));  // no master to ask: nothing in flight
  BOOST_TEST(catalog.Take().empty());
  catalog.linked = true;
  follower.OnHead({7, 12}, At(100));
  BOOST_TEST(catalog.Take() == Log{"ask after 7:10"});
  follower.OnHead({7, 12}, At(2100));  // 2000 ms: not yet stalled
  BOOST_TEST(catalog.Take().empty());
  follower.OnHead({7, 12}, At(2101));
  BOOST_TEST(catalog.Take() == Log{"ask after 7:10"});
}

}  // namespace
}  // namespace dds
