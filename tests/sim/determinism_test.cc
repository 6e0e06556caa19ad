// Goal: a run is a pure function of the scenario and the seed: the same seed
// gives a byte-identical trace, another seed a different one; and the check
// behind `ddsim --check-determinism` finds the first line where two runs
// part. Method: run a busy scenario (crashes, partitions, writes, deletes)
// several times, once with state leaking from run to run.
#include "sim/determinism.h"

#include <boost/test/unit_test.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <variant>

#include "sim/runner.h"
#include "tests/sim/parse_or_fail.h"

namespace dds::sim {
namespace {

constexpr char kBusy[] = R"(
[cluster]
nodes = 5
[network]
latency_max = "30ms"
loss = 0.01
[workload]
files = 40
size_min = "100"
size_max = "3MiB"
[expect]
converged_within = "60s"
[[random]]
do = "crash"
every = "7s"
until = "40s"
restart_after = "3s"
[[random]]
do = "write"
every = "2s"
until = "40s"
[[random]]
do = "delete"
every = "3s"
until = "40s"
[[random]]
do = "partition"
every = "15s"
until = "40s"
heal_after = "4s"
)";

struct Traced {
  RunResult result;
  std::string trace;
};

Traced Run(uint64_t seed) {
  std::ostringstream trace;
  RunResult result =
      RunScenario(ParseOrFail(kBusy, "determinism"), {seed, &trace, nullptr});
  return {result, trace.str()};
}

BOOST_AUTO_TEST_CASE(same_seed_same_trace) {
  Traced a = Run(11);
  Traced b = Run(11);
  BOOST_TEST(a.result.ok());
  BOOST_TEST(a.result.trace_lines > 1000u);
  BOOST_TEST(a.result.trace_digest == b.result.trace_digest);
  BOOST_TEST((a.trace == b.trace));
}

BOOST_AUTO_TEST_CASE(other_seed_other_trace) {
  Traced a = Run(11);
  Traced c = Run(12);
  BOOST_TEST(a.result.trace_digest != c.result.trace_digest);
  BOOST_TEST((a.trace != c.trace));
}

BOOST_AUTO_TEST_CASE(first_difference_names_the_line_of_each) {
  BOOST_TEST(!FirstDifference("a\nb\n", "a\nb\n"));
  std::optional<TraceDifference> d = FirstDifference("a\nb\nc\n", "a\nB\nc\n");
  BOOST_REQUIRE(d);
  BOOST_TEST(d->line == 2u);
  BOOST_TEST(d->first == "b");
  BOOST_TEST(d->second == "B");
  d = FirstDifference("a\n", "a\nmore\n");
  BOOST_REQUIRE(d);
  BOOST_TEST(d->line == 2u);
  BOOST_TEST(d->first == "<end>");
  BOOST_TEST(d->second == "more");
}

BOOST_AUTO_TEST_CASE(the_check_passes_a_pure_run_and_catches_leaked_state) {
  Scenario scenario = ParseOrFail(kBusy, "determinism");
  DeterminismCheck check = CheckDeterminism(scenario, 11);
  BOOST_TEST(!check.difference);
  BOOST_TEST(check.trace_lines > 1000u);
  BOOST_TEST(DescribeCheck(11, check).starts_with("seed 11: deterministic ("));

  scenario.test_faults.all = TestFault::kLeakState;
  check = CheckDeterminism(scenario, 11);
  BOOST_REQUIRE(check.difference);
  BOOST_TEST(check.difference->first != check.difference->second);
  BOOST_TEST(DescribeCheck(11, check).find(
                 "NOT deterministic: the traces differ at line " +
                 std::to_string(check.difference->line)) != std::string::npos);
}

}  // namespace
}  // namespace dds::sim
