// ddsim: runs a scenario in the deterministic simulator and says whether the
// invariants held; or, with --swarm, scenarios drawn from the seeds
// themselves (tools/ddsim/swarm_cmd.h); or, with --check-determinism, runs
// each seed twice and compares the traces (sim/determinism.h). Exit 0: they
// held; 1: one failed (the reproducing command is printed); 2: bad input;
// 3: a seed's two runs traced differently; 4: they held, but a kind of fault
// the scenario asked for never fired (sim/coverage.h).
#include <CLI/CLI.hpp>
#include <charconv>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <variant>

#include "sim/determinism.h"
#include "sim/runner.h"
#include "sim/scenario_parser.h"
#include "sim/scenario_writer.h"
#include "sim/swarm.h"
#include "tools/ddsim/parallel_sweep.h"
#include "tools/ddsim/report.h"
#include "tools/ddsim/swarm_cmd.h"

namespace {

constexpr int kBadInput = dds::sim::kExitBadInput;
constexpr int kNotDeterministic = 3;

struct SeedRange {
  uint64_t first = 0;
  uint64_t last = 0;
  uint64_t stride = 1;  // --shard I/N: every Nth seed from first + I
  std::string shard;    // "I/N of A..B", for verdicts; empty without --shard
};

// Decimal digits, the whole of `digits`.
bool ParseNumber(std::string_view digits, uint64_t* out) {
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *out);
  return ec == std::errc() && end == digits.data() + digits.size() && !digits.empty();
}

// "A..B" with A <= B.
std::optional<SeedRange> ParseSeeds(const std::string& text) {
  size_t dots = text.find("..");
  if (dots == std::string::npos) return std::nullopt;
  SeedRange range;
  std::string_view view(text);
  if (!ParseNumber(view.substr(0, dots), &range.first) ||
      !ParseNumber(view.substr(dots + 2), &range.last) || range.last < range.first) {
    return std::nullopt;
  }
  return range;
}

// Narrows `range` to shard "I/N" (0 <= I < N): seeds first+I, first+I+N, ...
// A message if the shard is malformed or holds no seed.
std::string ApplyShard(const std::string& text, SeedRange* range) {
  const size_t slash = text.find('/');
  uint64_t index = 0, count = 0;
  const std::string_view view(text);
  if (slash == std::string::npos || !ParseNumber(view.substr(0, slash), &index) ||
      !ParseNumber(view.substr(slash + 1), &count) || count == 0 || index >= count) {
    return "--shard: expected I/N with 0 <= I < N, got \"" + text + "\"";
  }
  if (range->last - range->first < index) {
    return "--shard " + text + ": no seed of " + std::to_string(range->first) + ".." +
           std::to_string(range->last) + " falls in it";
  }
  range->shard =
      text + " of " + std::to_string(range->first) + ".." + std::to_string(range->last);
  range->first += index;
  range->stride = count;
  return {};
}

// " (shard I/N)" or "".
std::string ShardNote(const SeedRange& range) {
  return range.shard.empty() ? "" : " (shard " + range.shard + ")";
}

struct Flags {
  std::string scenario;
  std::optional<uint64_t> seed;
  std::string seeds;
  std::string shard;
  std::string trace;
  bool json = false;
  bool quiet = false;
  bool swarm = false;
  bool check_determinism = false;
  std::string test_fault;
  unsigned jobs = dds::sim::DefaultJobs();
  std::string repro;
  uint64_t shrink_runs = 300;
  std::string report;  // --report FILE.html
  std::string script;  // --script FILE.toml
};

// Where lines that are not the verdict go: stderr when stdout is JSON.
std::ostream& Say(const Flags& flags) { return flags.json ? std::cerr : std::cout; }

std::string Reproduce(const Flags& flags, const dds::sim::RunResult& result) {
  std::string command = dds::sim::ReproduceCommand(flags.scenario, result);
  if (!flags.test_fault.empty()) command += " --test-fault " + flags.test_fault;
  return command;
}

// What RunOne prints besides its coverage.
struct Show {
  bool timeline = true;
  bool verdict = true;
};

// --script: the run's actions as a scenario of explicit actions.
bool WriteScript(const Flags& flags, const dds::sim::Scenario& scenario,
                 const dds::sim::RunResult& result) {
  std::ofstream out(flags.script, std::ios::trunc);
  out << dds::sim::ScenarioToml(dds::sim::Reproducer(scenario, result),
                                "The actions a run of " + flags.scenario + " (seed " +
                                    std::to_string(result.seed) + ") carried out.");
  out.close();
  if (!out) {
    std::cerr << "ddsim: --script: cannot write " << flags.script << "\n";
    return false;
  }
  return true;
}

// Runs one seed, writing its trace and report if asked, and prints its
// timeline and verdict as the flags say. The exit status: 1 if an invariant
// failed, kBadInput if the report could not be written, else the coverage's.
int RunOne(const dds::sim::Scenario& scenario, const Flags& flags, uint64_t seed,
           Show show) {
  dds::sim::RunOptions options;
  options.seed = seed;
  std::ofstream trace;
  if (!flags.trace.empty()) {
    trace.open(flags.trace, std::ios::trunc);
    options.trace = &trace;
  }
  dds::sim::RunRecord record;
  if (!flags.report.empty()) options.record = &record;
  if (show.timeline && !flags.quiet && !flags.json) options.timeline = &std::cout;
  const dds::sim::RunResult result = dds::sim::RunScenario(scenario, options);
  if (show.verdict && flags.json) {
    dds::sim::PrintJson(std::cout, flags.scenario, Reproduce(flags, result), result);
  } else if (show.verdict) {
    dds::sim::PrintVerdict(std::cout, Reproduce(flags, result), result);
  }
  if (!flags.report.empty() &&
      !dds::sim::WriteReportFile(flags.report, record, result,
                                 {flags.scenario, Reproduce(flags, result)},
                                 Say(flags))) {
    return kBadInput;
  }
  if (!flags.script.empty() && !WriteScript(flags, scenario, result)) return kBadInput;
  if (!result.ok()) return 1;
  return dds::sim::ReportCoverage(Say(flags), result.coverage,
                                  "seed " + std::to_string(seed));
}

int Sweep(const dds::sim::Scenario& scenario, const Flags& flags, SeedRange range) {
  auto run = [&](uint64_t seed) {
    dds::sim::RunOptions options;
    options.seed = seed;
    dds::sim::RunResult result = dds::sim::RunScenario(scenario, options);
    std::ostringstream line;
    if (flags.json) {
      dds::sim::PrintJson(line, flags.scenario, Reproduce(flags, result), result);
    } else if (!flags.quiet || !result.ok()) {
      dds::sim::PrintSweepLine(line, result);
    }
    return dds::sim::SeedReport{result.ok(), line.str(), result.coverage.Serialize()};
  };
  dds::sim::Coverage total;
  std::optional<uint64_t> failing =
      dds::sim::SweepSeeds({range.first, range.last, flags.jobs, range.stride}, run,
                           std::cout, [&](const dds::sim::SeedReport& report) {
                             total.Add(dds::sim::Coverage::Parse(report.data));
                           });
  if (failing) {
    // Run again here (deterministic) for its trace file, report and full
    // verdict; a --json sweep printed its object already.
    if (flags.json && flags.report.empty()) return 1;
    const int status = RunOne(scenario, flags, *failing, Show{false, !flags.json});
    return status == kBadInput ? kBadInput : 1;
  }
  if (!flags.json) {
    std::cout << "verdict: all invariants held for seeds " << range.first << ".."
              << range.last << ShardNote(range) << "\n"
              << "  " << dds::sim::FormatCoverage(total) << "\n";
  }
  dds::sim::SayNoReport(flags.report, Say(flags));
  return dds::sim::ReportCoverage(
      Say(flags), total,
      "seeds " + std::to_string(range.first) + ".." + std::to_string(range.last));
}

void AddFlags(CLI::App& app, Flags& flags) {
  app.add_option("scenario", flags.scenario, "scenario file (TOML); not with --swarm");
  auto* seed =
      app.add_option("--seed", flags.seed, "run this seed (default: the scenario's)");
  auto* seeds =
      app.add_option("--seeds", flags.seeds, "run seeds A..B, stop at the first failure")
          ->excludes(seed);
  app.add_option("--shard", flags.shard,
                 "--seeds: run only shard I of N (0 <= I < N), seeds A+I, A+I+N, ...; "
                 "N machines each take one shard of a long sweep")
      ->needs(seeds);
  app.add_option("--trace", flags.trace, "write every event to FILE, one per line");
  app.add_flag("--json", flags.json,
               "print a machine-readable verdict (one object per seed)");
  app.add_flag("--quiet", flags.quiet, "no timeline; only the verdict");
  app.add_option("--jobs", flags.jobs,
                 "--seeds: worker processes (default: the number of cores)")
      ->check(CLI::Range(1u, 256u));
  app.add_flag("--swarm", flags.swarm,
               "swarm testing: each seed draws its own cluster, workload and faults");
  auto* determinism =
      app.add_flag("--check-determinism", flags.check_determinism,
                   "run each seed twice and compare the traces; print the first line "
                   "that differs (exit 3)");
  app.add_option("--report", flags.report,
                 "write the run's timeline and verdict as one HTML page to FILE; with "
                 "--seeds, of the first failing seed; with --swarm, of a failure's "
                 "shrunk reproducer")
      ->excludes(determinism);
  app.add_option("--test-fault", flags.test_fault,
                 "TEST ONLY: give every node a lying disk or Env, to prove the "
                 "checkers catch it (" +
                     dds::sim::TestFaultNames() + ")");
  app.add_option("--repro", flags.repro,
                 "--swarm: where to write the reproducer of a failing seed "
                 "(default ddsim-repro-SEED.toml)");
  app.add_option("--shrink-runs", flags.shrink_runs,
                 "--swarm: runs spent shrinking the reproducer, at most (default 300)");
  app.add_option("--script", flags.script,
                 "write the actions this run carried out, with explicit targets and "
                 "times, as a scenario FILE (tools/replay plays it on real processes)");
}

// Checks the flags that depend on each other; a message if they are wrong.
std::string Validate(const Flags& flags, std::optional<SeedRange>* range,
                     std::optional<dds::sim::TestFault>* fault) {
  if (!flags.seeds.empty() && !(*range = ParseSeeds(flags.seeds))) {
    return "--seeds: expected A..B with A <= B, got \"" + flags.seeds + "\"";
  }
  if (!flags.shard.empty()) {
    if (std::string error = ApplyShard(flags.shard, &**range); !error.empty())
      return error;
  }
  if (!flags.test_fault.empty() &&
      !(*fault = dds::sim::ParseTestFault(flags.test_fault))) {
    return "--test-fault: unknown fault \"" + flags.test_fault + "\" (" +
           dds::sim::TestFaultNames() + ")";
  }
  if (flags.swarm == !flags.scenario.empty()) {
    return flags.swarm ? "--swarm takes no scenario file" : "a scenario file is required";
  }
  if (!flags.report.empty()) {
    if (std::string why = dds::sim::OutputPathProblem(flags.report); !why.empty())
      return "--report: cannot write " + flags.report + ": " + why;
  }
  if (!flags.script.empty()) {
    if (flags.swarm || *range || flags.check_determinism) {
      return "--script: one run of a scenario file only (a failing swarm seed writes its "
             "reproducer, a script, already)";
    }
    if (std::string why = dds::sim::OutputPathProblem(flags.script); !why.empty())
      return "--script: cannot write " + flags.script + ": " + why;
  }
  return {};
}

int Swarm(const Flags& flags, std::optional<SeedRange> range,
          std::optional<dds::sim::TestFault> fault) {
  dds::sim::SwarmFlags swarm;
  swarm.single = !range;
  swarm.first = range ? range->first : flags.seed.value_or(1);
  swarm.last = range ? range->last : swarm.first;
  swarm.stride = range ? range->stride : 1;
  swarm.shard_note = range ? ShardNote(*range) : "";
  swarm.test_fault = fault;
  swarm.repro = flags.repro;
  swarm.shrink_runs = flags.shrink_runs;
  swarm.trace = flags.trace;
  swarm.json = flags.json;
  swarm.quiet = flags.quiet;
  swarm.jobs = flags.jobs;
  swarm.report = flags.report;
  return dds::sim::RunSwarm(swarm);
}

// --check-determinism, over a scenario file or swarm seeds.
int CheckDeterminism(const Flags& flags, const dds::sim::Scenario* file,
                     std::optional<SeedRange> range,
                     std::optional<dds::sim::TestFault> fault) {
  if (!range) {
    const uint64_t seed = flags.seed.value_or(file ? file->seed : 1);
    range = SeedRange{seed, seed};
  }
  auto run = [&](uint64_t seed) {
    dds::sim::Scenario scenario = file ? *file : dds::sim::SwarmScenario(seed);
    if (fault) scenario.test_faults.all = *fault;
    const dds::sim::DeterminismCheck check = dds::sim::CheckDeterminism(scenario, seed);
    const bool same = !check.difference;
    return dds::sim::SeedReport{
        same, same && flags.quiet ? "" : dds::sim::DescribeCheck(seed, check)};
  };
  std::optional<uint64_t> differing = dds::sim::SweepSeeds(
      {range->first, range->last, flags.jobs, range->stride}, run, std::cout);
  if (differing) {
    std::cout << "verdict: seed " << *differing
              << " is not deterministic; reproduce: ddsim "
              << (file ? flags.scenario : "--swarm") << " --check-determinism --seed "
              << *differing
              << (flags.test_fault.empty() ? "" : " --test-fault " + flags.test_fault)
              << "\n";
    return kNotDeterministic;
  }
  std::cout << "verdict: deterministic for seeds " << range->first << ".." << range->last
            << ShardNote(*range) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ddsim: run a dds scenario in the deterministic simulator"};
  Flags flags;
  AddFlags(app, flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kBadInput;
  }
  std::optional<SeedRange> range;
  std::optional<dds::sim::TestFault> fault;
  if (std::string error = Validate(flags, &range, &fault); !error.empty()) {
    std::cerr << "ddsim: " << error << "\n";
    return kBadInput;
  }
  if (flags.swarm && flags.check_determinism)
    return CheckDeterminism(flags, nullptr, range, fault);
  if (flags.swarm) return Swarm(flags, range, fault);
  dds::sim::ParseOutcome parsed = dds::sim::ParseScenarioFile(flags.scenario);
  if (auto* error = std::get_if<dds::sim::ParseError>(&parsed)) {
    std::cerr << error->ToString() << "\n";
    return kBadInput;
  }
  auto scenario = std::get<dds::sim::Scenario>(parsed);
  if (flags.check_determinism) return CheckDeterminism(flags, &scenario, range, fault);
  if (fault) scenario.test_faults.all = *fault;
  if (range) return Sweep(scenario, flags, *range);
  return RunOne(scenario, flags, flags.seed.value_or(scenario.seed), Show{});
}
