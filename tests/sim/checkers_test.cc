// Goal: each checker can fail, and names the right invariant. Method: the
// same small cluster once healthy (must pass) and once with a node whose disk
// lies to it (sim::TestFault), with the fault's trigger scripted.
#define BOOST_TEST_MODULE sim_checkers
#include "sim/checkers/checkers.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <variant>

#include "core/conflict.h"
#include "sim/runner.h"
#include "sim/scenario_parser.h"
#include "tests/sim/parse_or_fail.h"

namespace dds::sim {
namespace {

Scenario Parse(const std::string& text) { return ParseOrFail(text, "checkers_test"); }

// The invariant a run of `scenario` fails ("" if none), with `fault` on n2.
std::string Failure(Scenario scenario, TestFault fault) {
  scenario.test_faults.nodes["n2"] = fault;
  RunResult result = RunScenario(scenario, {});
  if (result.ok()) return "";
  BOOST_TEST_MESSAGE(result.violation->invariant << ": " << result.violation->why);
  return result.violation->invariant;
}

// n1 holds a file whose bytes are then corrupted silently, with the scrub
// slowed to a crawl so n1 serves the bad bytes when n2 joins and pulls.
constexpr char kCorruptSource[] = R"(
[cluster]
nodes = 1
[node]
scrub_rate = "1"
scrub_interval = "1h"
scan_interval = "1h"
[workload]
files = 3
size = "4KiB"
[expect]
converged_within = "20s"
[[action]]
at = "2s"
do = "corrupt"
node = "n1"
path = "data/f00002.bin"
[[action]]
at = "3s"
do = "add_node"
node = "n2"
)";

BOOST_AUTO_TEST_CASE(a_disk_corrupting_what_it_publishes_is_a_safety_failure) {
  Scenario s = Parse(kCorruptSource);
  // A healthy n2 refuses the bad bytes. The only copy is damaged, so the
  // entry is an orphan, which liveness does not hold against the cluster.
  BOOST_TEST(Failure(s, TestFault::kNone) == "");
  BOOST_TEST(Failure(s, TestFault::kCorruptPublish) == "Safety");
}

// Three nodes sharing 20 files, and one action at 5 s (more may follow).
Scenario ThreeNodesThen(const std::string& action, const std::string& cluster = "") {
  return Parse(R"(
[cluster]
nodes = 3
)" + cluster + R"(
[workload]
files = 20
size = "2KiB"
[expect]
converged_within = "30s"
[[action]]
at = "5s"
)" + action);
}

BOOST_AUTO_TEST_CASE(a_disk_hiding_deletions_is_a_liveness_failure) {
  Scenario s =
      ThreeNodesThen("do = \"delete\"\nnode = \"n2\"\npath = \"data/f00004.bin\"\n");
  BOOST_TEST(Failure(s, TestFault::kNone) == "");
  BOOST_TEST(Failure(s, TestFault::kHideDeletions) == "Liveness");
}

BOOST_AUTO_TEST_CASE(a_disk_keeping_removed_files_is_a_liveness_failure) {
  Scenario s = ThreeNodesThen("do = \"remove\"\npath = \"data/f00004.bin\"\n");
  BOOST_TEST(Failure(s, TestFault::kNone) == "");
  std::string failed = Failure(s, TestFault::kKeepRemoved);
  BOOST_TEST((failed == "Liveness" || failed == "Durability"), "failed: " << failed);
}

// n2 writes a file that takes 4 s to hash on its 8 MiB/s disk, and the
// master gives up on a node after 2 s of silence: hashed in the background,
// n2 keeps answering; hashed on its loop, it is marked down.
BOOST_AUTO_TEST_CASE(a_node_blocked_by_hashing_is_marked_down_and_that_fails_the_run) {
  Scenario s = Parse(R"(
[cluster]
nodes = 2
disk_rate = "8MiB"
[master]
node_timeout = "2s"
failure_check = "250ms"
[expect]
converged_within = "30s"
no_node_marked_down = true
[[action]]
at = "2s"
do = "write"
node = "n2"
path = "big.bin"
size = "32MiB"
)");
  BOOST_TEST(Failure(s, TestFault::kNone) == "");
  BOOST_TEST(Failure(s, TestFault::kHashInline) == "Liveness");
}

// Found by swarm seed 1790: n1's edit of a conflict copy is lost in a crash,
// which reverts the copy to content f00001.bin had before a newer version
// replaced it. The copy is removed while n1 is down, so n1's restart reports
// the reverted content as an edit of a deleted file and the master keeps it
// as a conflict copy of the conflict copy. The crash wrote that content
// again, so this is not a replaced version coming back.
// The writers' invariants, fed straight to the checkers: a temp file in
// the catalog, and a slow writer's partial state recorded while it works.
CatalogEntry Live(const std::string& path, uint8_t content) {
  CatalogEntry e{path, 1, {}, 1, false, "n1", 0, {}};
  e.hash.bytes[0] = content;
  return e;
}

BOOST_AUTO_TEST_CASE(a_temp_file_in_the_catalog_is_a_safety_failure) {
  EventLoop loop;
  Checkers checkers(&loop);
  checkers.OnRecorded(Live("up/f1.bin", 1));
  BOOST_TEST(checkers.verdict().ok());
  checkers.OnRecorded(Live("up/.f1.bin.qrcHkS", 1));
  BOOST_REQUIRE(!checkers.verdict().ok());
  BOOST_TEST(checkers.verdict().violation()->invariant == "Safety");
}

BOOST_AUTO_TEST_CASE(
    a_partial_write_recorded_while_its_writer_works_is_a_safety_failure) {
  EventLoop loop;
  Checkers checkers(&loop);
  const CatalogEntry partial = Live("big.bin", 7);
  checkers.safety().OnPartialWrite("big.bin", partial.hash, "n1", Instant{},
                                   Instant(std::chrono::seconds(0)));
  checkers.OnRecorded(partial);  // at 0: the writer's last step is now
  BOOST_REQUIRE(!checkers.verdict().ok());
  BOOST_TEST(checkers.verdict().violation()->invariant == "Safety");
}

// Found by swarm seed 2441: content replaced at one path but still current
// at another (a mirror's rename kept both names) may be kept as a conflict
// copy of that other path; once no path holds it, it may not come back.
BOOST_AUTO_TEST_CASE(replaced_content_still_current_elsewhere_may_be_kept_as_a_copy) {
  EventLoop loop;
  Checkers checkers(&loop);
  auto at = [&](int ms, const CatalogEntry& entry) {
    loop.RunUntil(Instant(std::chrono::milliseconds(ms)));
    checkers.OnRecorded(entry);
  };
  CatalogEntry replaced = Live("t.bin", 2);
  replaced.version = 2;
  at(0, Live("t.bin", 1));
  at(0, Live("t.bin.moved", 1));
  at(10, replaced);
  at(20, Live("t.bin.conflict-n2.moved", 1));
  BOOST_TEST(checkers.verdict().ok());
  CatalogEntry moved_on = Live("t.bin.moved", 3);
  moved_on.version = 2;
  at(30, moved_on);
  CatalogEntry copy_removed{"t.bin.conflict-n2.moved", 2, {}, 0, true, "n1", 0, {}};
  at(30, copy_removed);
  at(40, Live("elsewhere.bin", 1));
  BOOST_REQUIRE(!checkers.verdict().ok());
  BOOST_TEST(checkers.verdict().violation()->invariant == "Durability");
}

// Found by swarm seed 2517: a mirror renamed t.bin (content 1) to t.moved
// while cut off; t.bin was then edited elsewhere, and t.moved recorded from
// another node. The renamed file's late report loses at t.moved and is kept
// as a conflict copy: a user's write, not t.bin's replaced version. A copy
// of t.moved's own replaced version would be one.
BOOST_AUTO_TEST_CASE(a_conflict_copy_keeps_a_write_at_its_source_path) {
  EventLoop loop;
  Checkers checkers(&loop);
  auto at = [&](int ms, const CatalogEntry& entry) {
    loop.RunUntil(Instant(std::chrono::milliseconds(ms)));
    checkers.OnRecorded(entry);
  };
  at(0, Live("t.bin", 1));
  loop.RunUntil(Instant(std::chrono::milliseconds(5)));
  checkers.OnScenarioWrite("t.moved", Live("t.moved", 1).hash);
  CatalogEntry edited = Live("t.bin", 2);
  edited.version = 2;
  at(10, edited);
  at(20, Live("t.moved", 3));
  CatalogEntry kept = Live("t.moved", 1);
  kept.path = ConflictPath(kept);
  at(30, kept);
  BOOST_TEST(checkers.verdict().ok());
  checkers.OnScenarioWrite("t.moved", Live("t.moved", 5).hash);
  CatalogEntry written = Live("t.moved", 5);
  written.version = 2;
  at(35, written);
  CatalogEntry replaced = Live("t.moved", 4);
  replaced.version = 3;
  at(40, replaced);
  CatalogEntry stale = Live("t.moved", 5);
  stale.origin = "n2";
  stale.path = ConflictPath(stale);
  at(50, stale);
  BOOST_REQUIRE(!checkers.verdict().ok());
  BOOST_TEST(checkers.verdict().violation()->invariant == "Durability");
  BOOST_TEST(checkers.verdict().violation()->why.find("as a conflict copy") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(content_a_crash_reverted_to_may_come_back_as_a_conflict_copy) {
  Scenario s = Parse(R"(
[cluster]
nodes = 2
unsynced_window = "5s"
[workload]
files = 1
size = "1MiB"
[node]
scan_interval = "30s"
[expect]
converged_within = "90s"
[[action]]
at = "5s"
do = "delay_spike"
delay = "465ms"
restore_after = "4s"
[[action]]
at = "6s"
do = "modify"
in_place = true
node = "n2"
path = "data/f00001.bin"
size = 2000000
[[action]]
at = "7500ms"
do = "modify"
in_place = true
node = "n1"
path = "data/f00001.bin"
size = 2000000
[[action]]
at = "18s"
do = "modify"
in_place = true
node = "n1"
path = "data/f00001.conflict-n2-d7e5a65a.bin"
size = 2000000
[[action]]
at = "21s"
do = "crash"
lose_writes = true
node = "n1"
restart_after = "12s"
[[action]]
at = "23s"
do = "remove"
path = "data/f00001.conflict-n2-d7e5a65a.bin"
)");
  BOOST_TEST(Failure(s, TestFault::kNone) == "");
}

// Three masters; the leader is killed after a tombstone was made, and a
// standby takes over from the catalog log.
Scenario Failover() {
  return ThreeNodesThen(R"(do = "remove"
path = "data/f00004.bin"
[[action]]
at = "6s"
do = "master_crash"
restart_after = "2s"
[[action]]
at = "12s"
do = "write"
node = "n1"
path = "after.txt"
)",
                        "masters = 3");
}

BOOST_AUTO_TEST_CASE(
    a_leader_committing_batches_it_never_logged_is_a_durability_failure) {
  Scenario s = Failover();
  RunResult healthy = RunScenario(s, {});
  BOOST_TEST(healthy.ok());
  // The first leader, then a standby that took over.
  BOOST_TEST(healthy.coverage.moments[std::string(kLeaderElected)] == 2u);
  s.test_faults.all = TestFault::kUnloggedBatches;
  RunResult broken = RunScenario(s, {});
  BOOST_REQUIRE(!broken.ok());
  BOOST_TEST_MESSAGE(broken.violation->why);
  BOOST_TEST(broken.violation->invariant == "Durability");
}

BOOST_AUTO_TEST_CASE(a_version_the_master_inferred_counts_once_its_batch_is_durable) {
  // A delete reported before any report of the file makes the deleted
  // content the path's version 1 (core/master_changes.cc); a node may then
  // hold and serve it (swarm seed 5517), so safety must count it as
  // recorded, but only once the flush that logs the tombstone landed.
  EventLoop loop;
  Checkers checkers(&loop);
  RecordsToFlush records;
  records.set_out(&checkers, /*held=*/true);
  Digest content;
  content.bytes.fill(7);
  records.OnInferred("data/p", 1, content);
  records.OnRecorded(CatalogEntry{"data/p", 2, Digest{}, 0, true, "n1", 0, {}});
  BOOST_TEST(!checkers.ledger().WasRecorded("data/p", content));
  records.Flushed();
  BOOST_TEST(checkers.ledger().WasRecorded("data/p", content));
  BOOST_TEST(checkers.ledger().Latest("data/p")->tombstone);
  // Dropped by a crash before its flush: it never happened.
  records.OnInferred("data/q", 1, content);
  records.Drop();
  records.Flushed();
  BOOST_TEST(!checkers.ledger().WasRecorded("data/q", content));
}

BOOST_AUTO_TEST_CASE(leadership_fails_on_two_leaders_in_a_term_or_an_older_term) {
  EventLoop loop;
  {
    Verdict verdict(&loop);
    Leadership leadership(&verdict);
    leadership.OnObeyed("n1", "master", 3);
    leadership.OnObeyed("n2", "master", 3);
    leadership.OnObeyed("n1", "master2", 7);
    BOOST_TEST(verdict.ok());
    leadership.OnObeyed("n2", "master3", 7);
    BOOST_REQUIRE(!verdict.ok());
    BOOST_TEST(verdict.violation()->why.find("two leaders obeyed in term 7") !=
               std::string::npos);
  }
  {
    Verdict verdict(&loop);
    Leadership leadership(&verdict);
    leadership.OnObeyed("n1", "master2", 7);
    leadership.OnObeyed("n1", "master", 3);
    BOOST_REQUIRE(!verdict.ok());
    BOOST_TEST(verdict.violation()->why ==
               "n1 obeyed master of term 3 after a leader of term 7");
  }
}

}  // namespace
}  // namespace dds::sim
