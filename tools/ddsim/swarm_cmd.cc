// ddsim --swarm; see swarm_cmd.h.
#include "tools/ddsim/swarm_cmd.h"

#include <fstream>
#include <iostream>
#include <sstream>
#include <variant>

#include "sim/scenario_parser.h"
#include "sim/scenario_writer.h"
#include "sim/swarm.h"
#include "tools/ddsim/parallel_sweep.h"
#include "tools/ddsim/report.h"

namespace dds::sim {
namespace {

std::string SwarmCommand(const SwarmFlags& flags, uint64_t seed) {
  std::string command = "ddsim --swarm --seed " + std::to_string(seed);
  if (flags.test_fault)
    command += " --test-fault " + std::string(TestFaultName(*flags.test_fault));
  return command;
}

Scenario SwarmFor(const SwarmFlags& flags, uint64_t seed) {
  Scenario s = SwarmScenario(seed);
  if (flags.test_fault) s.test_faults.all = *flags.test_fault;
  return s;
}

// Runs `scenario` with the trace file the flags ask for, and the record
// for their report.
RunResult RunTraced(const SwarmFlags& flags, const Scenario& scenario,
                    std::ostream* timeline, RunRecord* record) {
  RunOptions options;
  std::ofstream trace;
  if (!flags.trace.empty()) {
    trace.open(flags.trace, std::ios::trunc);
    options.trace = &trace;
  }
  options.timeline = timeline;
  if (!flags.report.empty()) options.record = record;
  return RunScenario(scenario, options);
}

// --report: writes the report of a run, if asked for; false if it could not.
bool Report(const SwarmFlags& flags, const RunRecord& record, const RunResult& result,
            const ReportInfo& info) {
  return flags.report.empty() ||
         WriteReportFile(flags.report, record, result, info, std::cout);
}

// Writes `scenario` to `path`, loads it back and runs it (into `record`, if
// given): the run, or nothing (with a message) if the file could not be
// written or read.
std::optional<RunResult> WriteAndRerun(const Scenario& scenario, const std::string& path,
                                       const std::string& header,
                                       RunRecord* record = nullptr) {
  {
    std::ofstream out(path, std::ios::trunc);
    out << ScenarioToml(scenario, header);
    if (!out) {
      std::cout << "cannot write " << path << "\n";
      return std::nullopt;
    }
  }
  ParseOutcome parsed = ParseScenarioFile(path);
  if (auto* error = std::get_if<ParseError>(&parsed)) {
    std::cout << "the reproducer does not load: " << error->ToString() << "\n";
    return std::nullopt;
  }
  RunOptions options;
  options.record = record;
  return RunScenario(std::get<Scenario>(parsed), options);
}

bool SameFailure(const std::optional<RunResult>& rerun, const RunResult& original) {
  return rerun && !rerun->ok() &&
         rerun->violation->invariant == original.violation->invariant;
}

std::string Verdict(const std::optional<RunResult>& rerun) {
  if (!rerun) return "not checked";
  if (rerun->ok()) return "passes (did not reproduce)";
  return rerun->violation->invariant + " FAILED: " + rerun->violation->why;
}

std::string ShrunkPath(const std::string& path) {
  size_t dot = path.rfind(".toml");
  return dot == std::string::npos ? path + "-shrunk"
                                  : path.substr(0, dot) + "-shrunk" + path.substr(dot);
}

// The failing seed: reproducer, shrinking, commands, and the report of the
// shrunk reproducer (of the failed run itself, `record`, if shrinking could
// not be done). The exit status: 1, or kExitBadInput if the report could
// not be written.
int Reproduce(const SwarmFlags& flags, const Scenario& scenario, const RunResult& failed,
              const RunRecord& record) {
  const ReportInfo failed_info{"swarm seed " + std::to_string(failed.seed),
                               SwarmCommand(flags, failed.seed)};
  const auto status = [](bool reported) { return reported ? 1 : kExitBadInput; };
  std::string path = flags.repro.empty()
                         ? "ddsim-repro-" + std::to_string(failed.seed) + ".toml"
                         : flags.repro;
  std::string why = failed.violation->invariant + ": " + failed.violation->why;
  Scenario repro = Reproducer(scenario, failed);
  std::string header = "Reproducer of " + SwarmCommand(flags, failed.seed) +
                       "\n(the actions that run carried out), which failed with\n" + why;
  std::optional<RunResult> rerun = WriteAndRerun(repro, path, header);
  std::cout << "reproducer: " << path << " (" << repro.actions.size()
            << " actions): " << Verdict(rerun) << "\n";
  if (!SameFailure(rerun, failed))
    return status(Report(flags, record, failed, failed_info));
  std::cout << "  reproduce: ddsim " << path << "\n";
  Shrunk shrunk = Shrink(repro, *rerun, ShrinkLimits{flags.shrink_runs}, {});
  std::string shrunk_path = ShrunkPath(path);
  RunRecord shrunk_record;
  std::optional<RunResult> rerun_shrunk = WriteAndRerun(
      shrunk.scenario, shrunk_path,
      "Shrunk from " + path + " (" + std::to_string(repro.actions.size()) + " to " +
          std::to_string(shrunk.scenario.actions.size()) + " actions, " +
          std::to_string(shrunk.runs) + " runs tried), failing with\n" +
          shrunk.result.violation->invariant + ": " + shrunk.result.violation->why,
      &shrunk_record);
  std::cout << "shrunk: " << shrunk_path << " (" << shrunk.scenario.actions.size()
            << " actions, " << shrunk.runs << " runs): " << Verdict(rerun_shrunk) << "\n"
            << "  reproduce: ddsim " << shrunk_path << "\n";
  if (!SameFailure(rerun_shrunk, failed))
    return status(Report(flags, record, failed, failed_info));
  return status(
      Report(flags, shrunk_record, *rerun_shrunk, {shrunk_path, "ddsim " + shrunk_path}));
}

// One seed with its timeline (--seed N).
int RunSingle(const SwarmFlags& flags) {
  const uint64_t seed = flags.first;
  Scenario scenario = SwarmFor(flags, seed);
  RunRecord record;
  RunResult result = RunTraced(flags, scenario,
                               flags.quiet || flags.json ? nullptr : &std::cout, &record);
  if (flags.json) {
    PrintJson(std::cout, "swarm seed " + std::to_string(seed), SwarmCommand(flags, seed),
              result);
  } else {
    PrintVerdict(std::cout, SwarmCommand(flags, seed), result);
  }
  if (result.ok()) {
    if (!Report(flags, record, result,
                {"swarm seed " + std::to_string(seed), SwarmCommand(flags, seed)})) {
      return kExitBadInput;
    }
    return ReportCoverage(std::cout, result.coverage,
                          "swarm seed " + std::to_string(seed));
  }
  std::cout << "first failing seed: " << seed << " (" << SwarmCommand(flags, seed)
            << ")\n";
  return Reproduce(flags, scenario, result, record);
}

}  // namespace

int RunSwarm(const SwarmFlags& flags) {
  if (flags.single) return RunSingle(flags);
  auto run = [&flags](uint64_t seed) {
    RunResult result = RunScenario(SwarmFor(flags, seed), RunOptions{});
    std::ostringstream line;
    if (flags.json) {
      PrintJson(line, "swarm seed " + std::to_string(seed), SwarmCommand(flags, seed),
                result);
    } else if (!flags.quiet || !result.ok()) {
      PrintSweepLine(line, result);
    }
    return SeedReport{result.ok(), line.str(), result.coverage.Serialize()};
  };
  Coverage total;
  std::optional<uint64_t> failing = SweepSeeds(
      {flags.first, flags.last, flags.jobs, flags.stride}, run, std::cout,
      [&total](const SeedReport& report) { total.Add(Coverage::Parse(report.data)); });
  if (failing) {
    std::cout << "first failing seed: " << *failing << " ("
              << SwarmCommand(flags, *failing) << ")\n";
    // Run again here (deterministic) for the trace file and the reproducer.
    Scenario scenario = SwarmFor(flags, *failing);
    RunRecord record;
    const RunResult result = RunTraced(flags, scenario, nullptr, &record);
    return Reproduce(flags, scenario, result, record);
  }
  if (!flags.json) {
    std::cout << "verdict: all invariants held for swarm seeds " << flags.first << ".."
              << flags.last << flags.shard_note << "\n"
              << "  " << FormatCoverage(total) << "\n";
  }
  SayNoReport(flags.report, flags.json ? std::cerr : std::cout);
  return ReportCoverage(
      flags.json ? std::cerr : std::cout, total,
      "swarm seeds " + std::to_string(flags.first) + ".." + std::to_string(flags.last));
}

}  // namespace dds::sim
