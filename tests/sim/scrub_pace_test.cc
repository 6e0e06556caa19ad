// Goal: the scrub's cost model (core/scrub.h) is the scrub's real pace, so
// that what is computed from it (the swarm's liveness bound, the documented
// detection time) holds. Method: for a few workloads, every file of n1 is
// corrupted at one instant; the scrub finds them one by one as its cursor
// comes round, so the last is found one whole pass later. That measured pass
// must fit ScrubPassDuration and not be far below it.
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <sstream>
#include <string>

#include "core/scrub.h"
#include "sim/runner.h"

namespace dds::sim {
namespace {

using std::chrono::seconds;

struct Load {
  uint64_t files;
  uint64_t size;
  uint64_t rate;  // bytes per second
};

// The time from the corruption of every file on n1 to the scrub's last
// finding, or nothing if it did not find them all.
std::optional<Duration> MeasuredPass(const Load& load, Duration bound) {
  const Instant corrupted_at(seconds(10));
  Scenario s;
  s.file = "scrub_pace_test";
  s.nodes = 2;
  s.workload.files = load.files;
  s.workload.size_min = s.workload.size_max = load.size;
  s.workload.copies = 2;
  s.node.scrub_bytes_per_second = load.rate;
  s.node.scan_interval = std::chrono::hours(1);
  s.expect.converged_within = 2 * bound + seconds(30);
  s.expect.read_every = Duration(0);
  for (uint64_t i = 1; i <= load.files; ++i) {
    Action a;
    a.at = corrupted_at;
    a.kind = ActionKind::kCorrupt;
    a.node = "n1";
    char path[32];
    std::snprintf(path, sizeof(path), "data/f%05llu.bin",
                  static_cast<unsigned long long>(i));
    a.path = path;
    s.actions.push_back(a);
  }
  std::ostringstream trace;
  RunOptions options;
  options.trace = &trace;
  RunResult result = RunScenario(s, options);
  BOOST_TEST(result.ok());
  std::istringstream lines(trace.str());
  uint64_t found = 0;
  double last = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.find(" n1: corruption detected ") == std::string::npos) continue;
    found += 1;
    last = std::stod(line);
  }
  BOOST_TEST(found == load.files);
  if (found != load.files) return std::nullopt;
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(last)) -
         corrupted_at.time_since_epoch();
}

BOOST_AUTO_TEST_CASE(scrub_pass_fits_its_cost_model) {
  const Duration tick = NodeOptions{}.scrub_interval;
  for (Load load : {Load{100, 8 << 10, 64 << 10},  // small files: the per-file cost
                    Load{40, 256 << 10, 1 << 20},  // between
                    Load{4, 2500000, 1 << 20}}) {  // few large files: the bytes
    Duration pass_time =
        ScrubPassDuration(load.files * ScrubCost(load.size), load.rate, tick);
    std::optional<Duration> measured = MeasuredPass(load, pass_time);
    if (!measured) continue;
    BOOST_TEST_MESSAGE(load.files << " x " << load.size << " B at " << load.rate
                                  << " B/s: measured " << ToMillis(*measured)
                                  << " ms, model " << ToMillis(pass_time) << " ms");
    BOOST_TEST(*measured <= pass_time);
    // And the model is not loose: the measurement starts with the first
    // file found, so it can miss one file's cost, and ticks round it.
    Duration one_file = ScrubPassDuration(ScrubCost(load.size), load.rate, tick);
    BOOST_TEST(*measured + one_file + tick >= pass_time);
  }
}

}  // namespace
}  // namespace dds::sim
