// One run of a scenario; see runner.h.
#include "sim/runner.h"

#include <algorithm>

#include "core/codec.h"
#include "sim/actions.h"
#include "sim/blob.h"
#include "sim/checkers/checkers.h"
#include "sim/units.h"
#include "sim/world.h"

namespace dds::sim {
namespace {

WorldOptions OptionsFor(const Scenario& s, uint64_t seed) {
  WorldOptions options;
  options.seed = seed;
  options.network = s.network;
  options.master = s.master;
  options.lease_ttl = s.lease_ttl;
  options.max_log_bytes = s.max_log_bytes;
  options.node = s.node;
  return options;
}

// The state of one run; lives on RunScenario's stack.
class Run {
 public:
  Run(const Scenario& scenario, uint64_t seed, const RunOptions& options)
      : scenario_(scenario),
        seed_(seed),
        checkers_(&loop_),
        world_(OptionsFor(scenario, seed), &loop_, &trace_, &checkers_),
        actions_(&world_, &checkers_, scenario, seed),
        sampler_(Fnv1a64("reads", seed)) {
    trace_.set_file(options.trace);
    trace_.set_timeline(options.timeline);
    trace_.set_digest(options.digest);
    world_.set_record(options.record);
    if (scenario.expect.no_node_marked_down) checkers_.ExpectNoNodeMarkedDown();
  }

  RunResult Go();

 private:
  void Plan();
  void SampleRead();
  void CheckConvergence();
  void Finish();
  void CheckExpectedContents();
  RunResult Summary();
  Coverage TakeCoverage(const std::vector<Action>& executed);

  const Scenario& scenario_;
  const uint64_t seed_;
  EventLoop loop_;
  Trace trace_;
  Checkers checkers_;
  World world_;
  ActionRunner actions_;
  SplitMix64 sampler_;
  Instant last_action_{};
  std::optional<Instant> converged_at_;
  std::set<std::string> asked_;  // what the plan asked for: fault coverage
};

RunResult Run::Go() {
  trace_.Say("scenario " + scenario_.file + ", seed " + std::to_string(seed_));
  actions_.BuildCluster();
  Plan();
  loop_.RunUntil(last_action_ + scenario_.expect.converged_within);
  Finish();
  return Summary();
}

void Run::Plan() {
  SplitMix64 planner(Fnv1a64("plan", seed_));
  std::vector<Action> plan = PlanActions(scenario_, planner);
  asked_ = AskedKinds(scenario_, plan);
  for (const Action& action : plan) actions_.Schedule(action);
  last_action_ = std::max(LastActionTime(plan), Instant(scenario_.faults.safety_phase));
  // Strictly after the last action, and after any restart it schedules.
  loop_.At(last_action_ + scenario_.expect.check_every, [this] { CheckConvergence(); });
  if (scenario_.expect.read_every > Duration(0)) {
    loop_.After(scenario_.expect.read_every, [this] { SampleRead(); });
  }
}

void Run::SampleRead() {
  std::string line = checkers_.safety().ReadRandom(world_, sampler_);
  if (!line.empty()) trace_.Event(loop_.Now(), line);
  loop_.After(scenario_.expect.read_every, [this] { SampleRead(); });
}

void Run::CheckConvergence() {
  if (checkers_.liveness().Converged(world_)) {
    converged_at_ = loop_.Now();
    trace_.Notable(loop_.Now(), "converged " + FormatSeconds(loop_.Now() - last_action_) +
                                    " after the last action (" +
                                    std::to_string(checkers_.liveness().target_files()) +
                                    " files on every live node)");
    loop_.Stop();
    return;
  }
  loop_.After(scenario_.expect.check_every, [this] { CheckConvergence(); });
}

void Run::Finish() {
  Verdict& verdict = checkers_.verdict();
  if (verdict.ok()) checkers_.durability().Finish(world_);
  if (verdict.ok()) CheckExpectedContents();
  if (verdict.ok() && !converged_at_) {
    verdict.Fail("Liveness",
                 "not converged within " +
                     FormatSeconds(scenario_.expect.converged_within) +
                     " of the last action: " + checkers_.liveness().Explain(world_));
  }
}

void Run::CheckExpectedContents() {
  for (const std::string& content : scenario_.expect.catalog_contains) {
    Digest digest = DigestOf(content).whole;
    bool found = false;
    for (const auto& [path, entry] : checkers_.ledger().latest()) {
      found = found || (!entry.tombstone && entry.hash == digest);
    }
    if (found) continue;
    checkers_.verdict().Fail(
        "Durability",
        "the content \"" + content + "\" (a scripted write) is not live in the catalog");
    return;
  }
}

RunResult Run::Summary() {
  RunResult r;
  r.seed = seed_;
  r.violation = checkers_.verdict().violation();
  r.last_action = last_action_;
  if (converged_at_) r.convergence = *converged_at_ - last_action_;
  r.end = loop_.Now();
  r.catalog_entries = checkers_.ledger().latest().size();
  r.live_files = checkers_.ledger().live_entries();
  r.orphans = checkers_.liveness().orphans();
  r.lost_to_faults = checkers_.durability().lost_to_faults();
  r.reads = checkers_.safety().reads();
  r.publish_window_crashes = world_.publish_window_crashes();
  r.trace_digest = trace_.digest();
  r.trace_lines = trace_.lines();
  r.events = loop_.events_run();
  r.messages = world_.network().messages_sent();
  r.bytes = world_.network().bytes_sent();
  r.executed = actions_.executed();
  r.coverage = TakeCoverage(r.executed);
  return r;
}

Coverage Run::TakeCoverage(const std::vector<Action>& executed) {
  Coverage c = world_.coverage();
  c.asked = asked_;
  for (const Action& a : executed) ++c.fired[ActionName(a.kind)];
  // These count what they cost: a partition no message crossed, or a full
  // disk nothing was written to, tested nothing.
  const auto& drops = world_.network().drops();
  const auto dropped = [&](std::string_view why) {
    auto it = drops.find(why);
    return it == drops.end() ? uint64_t{0} : it->second;
  };
  c.fired["partition"] = dropped("partition");
  c.fired["loss_spike"] = dropped("lost in a spike");
  c.fired["loss"] = dropped("lost");
  uint64_t refusals = 0;
  for (const auto& host : world_.hosts()) {
    if (host->disk) refusals += host->disk->space_refusals();
  }
  c.fired["disk_full"] = refusals;
  c.moments[std::string(kCrashInPublishWindow)] = world_.publish_window_crashes();
  c.moments[std::string(kPartitionCutTransfer)] = world_.network().transfers_cut();
  return c;
}

}  // namespace

RunResult RunScenario(const Scenario& scenario, const RunOptions& options) {
  Run run(scenario, options.seed.value_or(scenario.seed), options);
  return run.Go();
}

}  // namespace dds::sim
