// Goal: swarm testing finds bugs and hands back readable reproducers.
//  * a fixed sweep of swarm seeds holds every invariant (CI's sweep), and
//    every kind of fault the sweep draws takes effect somewhere in it;
//  * a deliberately broken node (corrupt-publish) is caught within a bounded
//    number of seeds, its reproducer file, loaded on its own, fails the same
//    way, and the shrunk one is no longer and still fails;
//  * the reproducer of a passing run replays it exactly (same messages,
//    same convergence), so a reproducer is the run, not an approximation;
//  * the same swarm seed gives the same trace digest, with or without a
//    trace file.
// The sweep's size comes from CMake (DDS_SWARM_SEEDS): smaller under the
// sanitizers.
#define BOOST_TEST_MODULE sim_swarm
#include "sim/swarm.h"

#include <boost/test/unit_test.hpp>
#include <sstream>
#include <string>
#include <variant>

#include "sim/runner.h"
#include "sim/scenario_parser.h"
#include "sim/scenario_writer.h"

namespace dds::sim {
namespace {

// Through the file format, as ddsim writes and loads a reproducer.
Scenario RoundTrip(const Scenario& scenario) {
  ParseOutcome parsed = ParseScenarioText(ScenarioToml(scenario, "test"), "repro.toml");
  const ParseError* error = std::get_if<ParseError>(&parsed);
  BOOST_REQUIRE_MESSAGE(!error, (error ? error->ToString() : ""));
  return std::get<Scenario>(parsed);
}

RunResult Run(const Scenario& scenario) { return RunScenario(scenario, RunOptions{}); }

BOOST_AUTO_TEST_CASE(fixed_sweep_holds) {
  Coverage total;
  for (uint64_t seed = 1; seed <= DDS_SWARM_SEEDS; ++seed) {
    RunResult result = Run(SwarmScenario(seed));
    total.Add(result.coverage);
    BOOST_TEST_CONTEXT("ddsim --swarm --seed " << seed) {
      BOOST_TEST(result.ok(), (result.ok() ? std::string()
                                           : result.violation->invariant + ": " +
                                                 result.violation->why));
    }
    if (!result.ok()) return;
  }
  BOOST_TEST(Unfired(total).empty(),
             "drawn but never fired: " << FormatUnfired(total) << " ("
                                       << FormatCoverage(total) << ")");
}

BOOST_AUTO_TEST_CASE(a_corrupting_disk_is_caught_and_reproduced) {
  constexpr uint64_t kSeeds = 40;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    Scenario scenario = SwarmScenario(seed);
    scenario.test_faults.all = TestFault::kCorruptPublish;
    RunResult failed = Run(scenario);
    if (failed.ok()) continue;
    BOOST_TEST_MESSAGE("seed " << seed << ": " << failed.violation->why);
    Scenario repro = RoundTrip(Reproducer(scenario, failed));
    BOOST_TEST(std::string(TestFaultName(repro.test_faults.all)) == "corrupt-publish");
    RunResult again = Run(repro);
    BOOST_REQUIRE(!again.ok());
    BOOST_TEST(again.violation->invariant == failed.violation->invariant);
    BOOST_TEST(again.violation->why == failed.violation->why);
    Shrunk shrunk = Shrink(repro, again, ShrinkLimits{60}, {});
    BOOST_TEST(shrunk.scenario.actions.size() <= repro.actions.size());
    RunResult small = Run(RoundTrip(shrunk.scenario));
    BOOST_REQUIRE(!small.ok());
    BOOST_TEST(small.violation->invariant == failed.violation->invariant);
    return;
  }
  BOOST_FAIL("corrupt-publish survived swarm seeds 1.." << kSeeds);
}

BOOST_AUTO_TEST_CASE(reproducer_replays_a_passing_run_exactly) {
  for (uint64_t seed : {2, 9, 20}) {
    Scenario scenario = SwarmScenario(seed);
    RunResult original = Run(scenario);
    BOOST_REQUIRE(original.ok());
    BOOST_TEST(original.executed.size() > 5u);
    RunResult replay = Run(RoundTrip(Reproducer(scenario, original)));
    BOOST_TEST_CONTEXT("swarm seed " << seed) {
      BOOST_TEST(replay.ok());
      BOOST_TEST(replay.messages == original.messages);
      BOOST_TEST(replay.bytes == original.bytes);
      BOOST_TEST(replay.end.time_since_epoch().count() ==
                 original.end.time_since_epoch().count());
      BOOST_TEST(replay.executed.size() == original.executed.size());
    }
  }
}

BOOST_AUTO_TEST_CASE(same_swarm_seed_same_digest) {
  std::ostringstream trace;
  RunResult a = Run(SwarmScenario(4));
  RunResult b = RunScenario(SwarmScenario(4), RunOptions{std::nullopt, &trace, nullptr});
  RunResult c = Run(SwarmScenario(5));
  BOOST_TEST(a.trace_lines > 1000u);
  BOOST_TEST(a.trace_digest == b.trace_digest);
  BOOST_TEST(a.trace_digest != c.trace_digest);
  RunOptions no_digest;
  no_digest.digest = false;
  RunResult d = RunScenario(SwarmScenario(4), no_digest);
  BOOST_TEST(d.messages == a.messages);
  BOOST_TEST(d.trace_lines == 0u);
}

}  // namespace
}  // namespace dds::sim
