// Seed sweeps over several worker processes.
//
// The simulator is single-threaded by design (determinism), so a sweep uses
// more cores by forking workers, each running whole seeds on its own. The
// parent hands out seeds one at a time, prints each seed's line in seed
// order (the output is the same as a sequential sweep's), and at the first
// failure stops handing out seeds: the workers finish the lower seeds still
// running, and the lowest failing seed is the answer, as a sequential sweep
// would have found it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

namespace dds::sim {

// What one seed's run tells the parent.
struct SeedReport {
  bool ok = false;
  std::string line;  // printed in seed order (may be empty)
  std::string data;  // handed to the sweep's collector, never printed
};

struct SweepPlan {
  uint64_t first = 1;
  uint64_t last = 1;
  unsigned jobs = 1;    // worker processes; 1 runs the seeds in this process
  uint64_t stride = 1;  // every stride-th seed from first (a shard of a sweep)
};

// Runs every seed of `plan` with `run` (in a worker process when jobs > 1)
// and prints the lines to `out`. Returns the lowest failing seed, if any. A
// worker that dies while running a seed (a crash, an assertion) fails it.
// `collect`, if given, sees every finished seed's report in the parent (in
// the order they finish): for totals over a sweep.
std::optional<uint64_t> SweepSeeds(
    const SweepPlan& plan, const std::function<SeedReport(uint64_t)>& run,
    std::ostream& out, const std::function<void(const SeedReport&)>& collect = nullptr);

// The number of cores, for --jobs' default.
unsigned DefaultJobs();

}  // namespace dds::sim
