// Runs one scenario with one seed: builds the world, plays the plan, checks
// the invariants as it goes, and waits (up to the scenario's bound) for the
// cluster to converge after the last action -- or after the safety phase of
// [faults], if that ends later.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "sim/checkers/verdict.h"
#include "sim/coverage.h"
#include "sim/scenario.h"

namespace dds::sim {

class RunRecord;

struct RunOptions {
  std::optional<uint64_t> seed;      // default: the scenario's
  std::ostream* trace = nullptr;     // every event, one per line
  std::ostream* timeline = nullptr;  // the readable timeline
  // Compute the trace digest (RunResult::trace_digest, trace_lines). Off,
  // and with no trace file, no trace text is built at all.
  bool digest = true;
  // What a report draws (sim/run_record.h); not owned; null: nothing kept.
  RunRecord* record = nullptr;
};

struct RunResult {
  uint64_t seed = 0;
  std::optional<Violation> violation;  // the first invariant that failed
  Instant last_action{};
  std::optional<Duration> convergence;  // from the last action to convergence
  Instant end{};
  size_t catalog_entries = 0;
  size_t live_files = 0;
  size_t orphans = 0;         // live entries whose content no live node held
  size_t lost_to_faults = 0;  // live entries whose every copy the scenario destroyed
  uint64_t reads = 0;         // client reads checked
  uint64_t publish_window_crashes = 0;  // crashes that landed in a publish window
  uint64_t trace_digest = 0;
  uint64_t trace_lines = 0;
  uint64_t events = 0;
  uint64_t messages = 0;
  uint64_t bytes = 0;
  // Every action carried out, with explicit targets (ActionRunner::executed):
  // the events of a reproducer.
  std::vector<Action> executed;
  // What the actions and faults actually did.
  Coverage coverage;

  bool ok() const { return !violation.has_value(); }
};

RunResult RunScenario(const Scenario& scenario, const RunOptions& options);

}  // namespace dds::sim
