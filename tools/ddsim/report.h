// How ddsim reports a run: a readable verdict, or one JSON object per seed.
#pragma once

#include <ostream>
#include <string>

#include "sim/runner.h"

namespace dds::sim {

// The command that reproduces `result` ("ddsim scenarios/x.toml --seed 17").
std::string ReproduceCommand(const std::string& scenario_file, const RunResult& result);

// `reproduce` is the command printed for a failed run.
void PrintVerdict(std::ostream& out, const std::string& reproduce,
                  const RunResult& result);
// One line for a seed of a sweep.
void PrintSweepLine(std::ostream& out, const RunResult& result);
void PrintJson(std::ostream& out, const std::string& scenario,
               const std::string& reproduce, const RunResult& result);

}  // namespace dds::sim
