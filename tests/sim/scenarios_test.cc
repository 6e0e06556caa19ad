// Goal: every scenario holds Safety, Durability and Liveness for seeds 1..N,
// and every kind of fault it asks for takes effect in at least one of them
// (sim/coverage.h). Method: run it per seed and stop at the first failure,
// naming the command that reproduces it. CTest runs one process per scenario:
//   sim_scenarios_test -- NAME SEEDS
#define BOOST_TEST_MODULE sim_scenarios
#include <boost/test/unit_test.hpp>
#include <string>
#include <variant>
#include <vector>

#include "sim/runner.h"
#include "sim/scenario_parser.h"

namespace dds::sim {
namespace {

BOOST_AUTO_TEST_CASE(scenario_holds_for_every_seed) {
  auto& suite = boost::unit_test::framework::master_test_suite();
  BOOST_REQUIRE_MESSAGE(suite.argc == 3, "usage: sim_scenarios_test -- NAME SEEDS");
  std::string file = std::string(DDS_SCENARIO_DIR) + "/" + suite.argv[1] + ".toml";
  uint64_t seeds = std::stoull(suite.argv[2]);
  ParseOutcome parsed = ParseScenarioFile(file);
  const ParseError* error = std::get_if<ParseError>(&parsed);
  BOOST_REQUIRE_MESSAGE(!error, (error ? error->ToString() : ""));
  const Scenario& scenario = std::get<Scenario>(parsed);
  Coverage total;
  for (uint64_t seed = 1; seed <= seeds; ++seed) {
    RunResult result = RunScenario(scenario, RunOptions{seed, nullptr, nullptr, false});
    total.Add(result.coverage);
    BOOST_TEST_CONTEXT("ddsim " << file << " --seed " << seed) {
      BOOST_TEST(result.ok(), (result.ok() ? std::string()
                                           : result.violation->invariant + ": " +
                                                 result.violation->why));
      BOOST_TEST(result.convergence.has_value());
    }
    if (!result.ok()) return;  // one reproducer is enough
  }
  BOOST_TEST(Unfired(total).empty(), "asked for but never fired over seeds 1.."
                                         << seeds << ": " << FormatUnfired(total) << " ("
                                         << FormatCoverage(total) << ")");
}

}  // namespace
}  // namespace dds::sim
