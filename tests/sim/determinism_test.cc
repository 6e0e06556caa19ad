// Goal: a run is a pure function of the scenario and the seed: the same seed
// gives a byte-identical trace, another seed a different one. Method: run a
// busy scenario (crashes, partitions, writes, deletes) three times.
#include <boost/test/unit_test.hpp>
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

}  // namespace
}  // namespace dds::sim
