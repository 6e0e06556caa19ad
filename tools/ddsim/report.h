// How ddsim reports a run: a readable verdict, or one JSON object per seed.
#pragma once

#include <ostream>
#include <string>

#include "sim/html_report.h"
#include "sim/run_record.h"
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

// ddsim's exit status for bad input: a flag, a scenario, a report that
// cannot be written.
inline constexpr int kExitBadInput = 2;
// ddsim's exit status when every invariant held but a kind of fault the
// scenario asked for never fired (sim/coverage.h).
inline constexpr int kExitUnfired = 4;

// --report or --script FILE: why FILE cannot be written, or "" if it can.
// Checked before a run, so a long run is not wasted; leaves no file behind.
std::string OutputPathProblem(const std::string& path);
// Writes the HTML report of a run to `path` and says where on `say`; false,
// with one line on stderr, if it cannot.
bool WriteReportFile(const std::string& path, const RunRecord& record,
                     const RunResult& result, const ReportInfo& info, std::ostream& say);
// For a sweep that held: says that no report was written to `path` (if one
// was asked for), since there is no failure to show.
void SayNoReport(const std::string& path, std::ostream& say);

// Prints what the faults of a run (or a sweep, `scope` "seeds 1..50") did,
// and the kinds asked for that never fired. The exit status that follows:
// 0, or kExitUnfired.
int ReportCoverage(std::ostream& out, const Coverage& coverage, const std::string& scope);

}  // namespace dds::sim
