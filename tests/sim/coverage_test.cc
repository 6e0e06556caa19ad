// Goal: fault coverage counts what faults actually did, and flags a kind a
// run asked for that never took effect. Method: small scenarios where a
// fault cannot bite (a full disk nothing is written to, a [faults] rate
// that draws nothing) or surely bites (a partition cutting a transfer, a
// full disk during replication); and the counts' round trip through text,
// as a sweep's workers hand them over.
#include "sim/coverage.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "sim/runner.h"
#include "tests/sim/parse_or_fail.h"

namespace dds::sim {
namespace {

RunResult Run(const char* toml, uint64_t seed = 1) {
  return RunScenario(ParseOrFail(toml, "coverage"), RunOptions{seed, nullptr, nullptr});
}

BOOST_AUTO_TEST_CASE(a_full_disk_nothing_is_written_to_never_fires) {
  RunResult r = Run(R"(
[cluster]
nodes = 2
[expect]
converged_within = "20s"
[[action]]
at = "2s"
do = "disk_full"
node = "n1"
restore_after = "5s"
)");
  BOOST_TEST(r.ok());
  BOOST_TEST(r.coverage.fired["disk_full"] == 0u);
  BOOST_TEST(Unfired(r.coverage) == std::vector<std::string>{"disk_full"});
}

BOOST_AUTO_TEST_CASE(a_full_disk_during_replication_fires) {
  RunResult r = Run(R"(
[cluster]
nodes = 3
[expect]
converged_within = "60s"
[[action]]
at = "1s"
do = "disk_full"
node = "n2"
restore_after = "5s"
[[action]]
at = "2s"
do = "write"
node = "n1"
size = "64KiB"
)");
  BOOST_TEST(r.ok());
  BOOST_TEST(r.coverage.fired["disk_full"] > 0u);
  BOOST_TEST(r.coverage.fired["write"] == 1u);
  BOOST_TEST(Unfired(r.coverage).empty());
}

BOOST_AUTO_TEST_CASE(a_partition_counts_the_messages_it_cuts_and_heals_are_recorded) {
  RunResult r = Run(R"(
[cluster]
nodes = 3
[workload]
files = 20
size = "256KiB"
[expect]
converged_within = "60s"
[[action]]
at = "0.05s"
do = "partition"
groups = [["master", "n1"], ["n2", "n3"]]
[[action]]
at = "5s"
do = "heal"
)");
  BOOST_TEST(r.ok());
  BOOST_TEST(r.coverage.fired["partition"] > 0u);
  BOOST_TEST(r.coverage.fired["heal"] == 1u);
  BOOST_TEST(Unfired(r.coverage).empty());
}

BOOST_AUTO_TEST_CASE(a_rate_that_draws_nothing_asks_for_nothing) {
  // One master crash a day over 10 s: the plan holds none, so none is owed.
  RunResult r = Run(R"(
[cluster]
nodes = 2
[expect]
converged_within = "20s"
[faults]
safety_phase = "10s"
master_crash = 0.0007
)");
  BOOST_TEST(r.ok());
  BOOST_TEST(!r.coverage.asked.contains("master_crash"));
  BOOST_TEST(Unfired(r.coverage).empty());
}

BOOST_AUTO_TEST_CASE(counts_survive_the_trip_through_text_and_add_up) {
  Coverage a;
  a.asked = {"crash", "disk_full"};
  a.fired = {{"crash", 2}, {"disk_full", 0}};
  a.moments = {{std::string(kCrashDuringDownload), 1}};
  Coverage b = Coverage::Parse(a.Serialize());
  BOOST_TEST((b.asked == a.asked));
  BOOST_TEST((b.fired == a.fired));
  BOOST_TEST((b.moments == a.moments));
  BOOST_TEST(Unfired(b) == std::vector<std::string>{"disk_full"});
  Coverage c;
  c.asked = {"disk_full", "partition"};
  c.fired = {{"disk_full", 3}, {"partition", 7}};
  b.Add(c);
  BOOST_TEST(b.fired["crash"] == 2u);
  BOOST_TEST(b.fired["disk_full"] == 3u);
  BOOST_TEST(Unfired(b).empty());
  BOOST_TEST(
      FormatCoverage(b) ==
      "fired: crash 2, disk_full 3, partition 7; moments: crash during a download 1");
}

}  // namespace
}  // namespace dds::sim
