// Goal: the simulator models the crash window between a node's install and
// its durable record, and shows what the publish journal is for. Method: n2
// crashes in the publish window of its install of p.txt v1 ("first"); n1
// then edits p.txt more often than the master remembers replaced versions
// (core/version_history.h) while n2 is down. With the Env's order (records
// committed, then renames) n2 comes back knowing what it installed and
// pulls the latest version. With the old order (renames, then a commit the
// crash lost) n2 finds a file it has no record of and reports the content
// of v1 as its own edit from no base; the master no longer recognises it
// and keeps it as a spurious conflict copy: the durability checker's "a
// replaced version came back".
#include <boost/test/unit_test.hpp>
#include <string>
#include <variant>

#include "core/version_history.h"
#include "sim/runner.h"
#include "tests/sim/parse_or_fail.h"

namespace dds::sim {
namespace {

constexpr char kLateCopy[] = R"(
[cluster]
nodes = 2
[network]
latency_min = "100us"
latency_max = "200us"
[workload]
files = 0
[expect]
converged_within = "30s"
[[action]]
at = "1s"
do = "crash"
node = "n2"
in_publish_window = true
[[action]]
at = "1.001s"
do = "write"
node = "n1"
path = "p.txt"
content = "first"
[[action]]
at = "6s"
do = "restart"
node = "n2"
)";

RunResult Run(bool rename_before_commit) {
  std::string text = kLateCopy;
  for (size_t i = 0; i <= VersionHistory::kKept; ++i) {
    text += "[[action]]\nat = \"" + std::to_string(2000 + 200 * i) +
            "ms\"\ndo = \"write\"\nnode = \"n1\"\npath = \"p.txt\"\ncontent = \"edit " +
            std::to_string(i) + "\"\n";
  }
  Scenario scenario = ParseOrFail(text, "publish_window_test");
  if (rename_before_commit) scenario.test_faults.all = TestFault::kRenameBeforeCommit;
  return RunScenario(scenario, {});
}

BOOST_AUTO_TEST_SUITE(publish_window)

BOOST_AUTO_TEST_CASE(records_first_a_crash_in_the_window_leaves_nothing_behind) {
  RunResult r = Run(false);
  BOOST_TEST(r.ok());
  BOOST_TEST(r.publish_window_crashes == 1u);
  BOOST_TEST(r.catalog_entries == 1u);  // p.txt, and no conflict copy
}

BOOST_AUTO_TEST_CASE(renames_first_a_crash_in_the_window_brings_an_old_version_back) {
  RunResult r = Run(true);
  BOOST_TEST(r.publish_window_crashes == 1u);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.violation->invariant == "Durability");
  BOOST_TEST(r.violation->why.find("p.conflict-n2-") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds::sim
