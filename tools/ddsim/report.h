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

// ddsim's exit status when every invariant held but a kind of fault the
// scenario asked for never fired (sim/coverage.h).
inline constexpr int kExitUnfired = 4;

// Prints what the faults of a run (or a sweep, `scope` "seeds 1..50") did,
// and the kinds asked for that never fired. The exit status that follows:
// 0, or kExitUnfired.
int ReportCoverage(std::ostream& out, const Coverage& coverage, const std::string& scope);

}  // namespace dds::sim
