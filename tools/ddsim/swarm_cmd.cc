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

// Writes `scenario` to `path`, loads it back and runs it: the run, or
// nothing (with a message) if the file could not be written or read.
std::optional<RunResult> WriteAndRerun(const Scenario& scenario, const std::string& path,
                                       const std::string& header) {
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
  return RunScenario(std::get<Scenario>(parsed), RunOptions{});
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

// The failing seed: reproducer, shrinking, commands.
void Reproduce(const SwarmFlags& flags, const Scenario& scenario,
               const RunResult& failed) {
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
  if (!SameFailure(rerun, failed)) return;
  std::cout << "  reproduce: ddsim " << path << "\n";
  Shrunk shrunk = Shrink(repro, *rerun, ShrinkLimits{flags.shrink_runs}, {});
  std::string shrunk_path = ShrunkPath(path);
  std::optional<RunResult> rerun_shrunk = WriteAndRerun(
      shrunk.scenario, shrunk_path,
      "Shrunk from " + path + " (" + std::to_string(repro.actions.size()) + " to " +
          std::to_string(shrunk.scenario.actions.size()) + " actions, " +
          std::to_string(shrunk.runs) + " runs tried), failing with\n" +
          shrunk.result.violation->invariant + ": " + shrunk.result.violation->why);
  std::cout << "shrunk: " << shrunk_path << " (" << shrunk.scenario.actions.size()
            << " actions, " << shrunk.runs << " runs): " << Verdict(rerun_shrunk) << "\n"
            << "  reproduce: ddsim " << shrunk_path << "\n";
}

// One seed with its timeline (--seed N).
int RunSingle(const SwarmFlags& flags) {
  const uint64_t seed = flags.first;
  Scenario scenario = SwarmFor(flags, seed);
  RunOptions options;
  std::ofstream trace;
  if (!flags.trace.empty()) {
    trace.open(flags.trace, std::ios::trunc);
    options.trace = &trace;
  }
  if (!flags.quiet && !flags.json) options.timeline = &std::cout;
  RunResult result = RunScenario(scenario, options);
  if (flags.json) {
    PrintJson(std::cout, "swarm seed " + std::to_string(seed), SwarmCommand(flags, seed),
              result);
  } else {
    PrintVerdict(std::cout, SwarmCommand(flags, seed), result);
  }
  if (result.ok())
    return ReportCoverage(std::cout, result.coverage,
                          "swarm seed " + std::to_string(seed));
  std::cout << "first failing seed: " << seed << " (" << SwarmCommand(flags, seed)
            << ")\n";
  Reproduce(flags, scenario, result);
  return 1;
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
    RunOptions options;
    std::ofstream trace;
    if (!flags.trace.empty()) {
      trace.open(flags.trace, std::ios::trunc);
      options.trace = &trace;
    }
    Reproduce(flags, scenario, RunScenario(scenario, options));
    return 1;
  }
  if (!flags.json) {
    std::cout << "verdict: all invariants held for swarm seeds " << flags.first << ".."
              << flags.last << flags.shard_note << "\n"
              << "  " << FormatCoverage(total) << "\n";
  }
  return ReportCoverage(
      flags.json ? std::cerr : std::cout, total,
      "swarm seeds " + std::to_string(flags.first) + ".." + std::to_string(flags.last));
}

}  // namespace dds::sim
