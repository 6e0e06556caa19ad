// Swarm scenarios, reproducers and shrinking; see swarm.h.
#include "sim/swarm.h"

#include <algorithm>
#include <array>
#include <chrono>

#include "core/codec.h"
#include "core/random.h"
#include "core/scrub.h"

namespace dds::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Draws settings for one seed.
class Draw {
 public:
  explicit Draw(uint64_t seed) : random_(Fnv1a64("swarm", seed)) {}

  uint64_t Between(uint64_t low, uint64_t high) {
    return low + UniformBelow(random_.Next(), high - low + 1);
  }
  bool Coin() { return random_.Next() & 1; }
  template <typename T, size_t N>
  T OneOf(const std::array<T, N>& choices) {
    return choices[UniformBelow(random_.Next(), N)];
  }
  Duration Seconds(uint64_t low, uint64_t high) {
    return Duration(milliseconds(Between(low * 1000, high * 1000)));
  }
  // Half the time off; else a rate of 0.5 to 6 per minute.
  double Rate() { return Coin() ? 0 : static_cast<double>(Between(1, 12)) / 2; }

 private:
  SplitMix64 random_;
};

void DrawCluster(Draw& d, Scenario* s) {
  s->nodes = d.Between(2, 6);
  s->network.latency_min = milliseconds(1);
  s->network.latency_max = milliseconds(d.Between(1, 40));
  s->network.loss = d.OneOf(std::array<double, 4>{0, 0, 0.01, 0.03});
  s->network.bandwidth = d.OneOf(std::array<uint64_t, 2>{100ull << 20, 10ull << 20});
  s->node.scrub_bytes_per_second =
      d.OneOf(std::array<uint64_t, 3>{32ull << 20, 1ull << 20, 64ull << 10});
  // Half the runs examine files at once, half once they have settled.
  s->node.settle_time = milliseconds(d.OneOf(std::array<uint64_t, 4>{0, 0, 5, 100}));
  s->node.found_settle_time =
      milliseconds(d.OneOf(std::array<uint64_t, 4>{0, 0, 500, 1000}));
  Workload& w = s->workload;
  bool big = d.Between(0, 3) == 0;  // files of more than one chunk
  w.files = big ? d.Between(1, 8) : d.Between(5, 60);
  w.size_min = 100;
  w.size_max = big ? 2500000 : d.OneOf(std::array<uint64_t, 2>{4096, 65536});
  w.copies = d.Between(1, 2);
  s->file_size = d.OneOf(std::array<uint64_t, 3>{512, 8192, 1500000});
}

// Writes, edits, renames and explicit deletes by users during the safety
// phase, by quick writers, slow ones and rsync-like ones; a third of the
// clusters have a source node, where a delete or rename is one for all.
void DrawUsers(Draw& d, Scenario* s) {
  const Instant end(s->faults.safety_phase);
  for (ActionKind kind :
       {ActionKind::kWrite, ActionKind::kModify, ActionKind::kRemove, ActionKind::kMove,
        ActionKind::kTempWrite, ActionKind::kSlowWrite}) {
    if (d.Between(0, 3) == 0) continue;
    RandomActions r;
    r.action.kind = kind;
    r.action.in_place =
        (kind == ActionKind::kWrite || kind == ActionKind::kModify) && d.Coin();
    if (kind == ActionKind::kSlowWrite)
      r.action.takes = milliseconds(d.Between(100, 2000));
    r.every = d.Seconds(2, kind == ActionKind::kRemove ? 30 : 10);
    r.until = end;
    s->random.push_back(r);
  }
  if (d.Between(0, 2) == 0) s->sources = {"n1"};
}

void DrawFaults(Draw& d, Scenario* s) {
  Faults& f = s->faults;
  f.safety_phase = d.Seconds(20, 90);
  f.node_crash = d.Rate();
  f.node_down_max = d.Seconds(1, 20);
  f.lost_writes = d.OneOf(std::array<double, 3>{0, 0.5, 1});
  f.master_crash = d.Rate() / 2;
  f.master_down_max = d.Seconds(1, 10);
  f.partition = d.Rate();
  f.partition_max = d.Seconds(1, 15);
  f.loss_spike = d.Rate();
  f.spike_loss = d.OneOf(std::array<double, 3>{0.1, 0.3, 0.9});
  f.delay_spike = d.Rate();
  f.spike_delay = milliseconds(d.Between(50, 2000));
  f.spike_max = d.Seconds(1, 10);
  f.disk_delete = 2 * d.Rate();
  f.corrupt = 2 * d.Rate();
  f.disk_full = d.Rate();
  f.disk_full_max = d.Seconds(1, 20);
  f.max_down = d.Between(1, s->nodes - 1);
}

// Half the clusters have standby masters on a coordination service, whose
// faults then join the others: the leader crashes (master_crash hits the
// leader), the leader is cut off from the service, the service stops. Two
// thirds of those bound the log tightly, so that a master down for a while
// comes back behind it and copies the catalog.
void DrawMasters(Draw& d, Scenario* s) {
  if (d.Coin()) return;
  s->masters = d.Between(2, 3);
  s->lease_ttl = d.Seconds(1, 5);
  Faults& f = s->faults;
  f.coordination_outage = d.Rate() / 2;
  f.coordination_outage_max = d.Seconds(1, 10);
  f.leader_cut_off = d.Rate() / 2;
  f.leader_cut_off_max = d.Seconds(1, 10);
  s->max_log_bytes = d.OneOf(std::array<uint64_t, 3>{kMaxLogBytes, 16 << 10, 4 << 10});
  f.master_down_max = d.Seconds(1, 30);
}

// The liveness bound: a minute for the cluster to settle, plus two full
// scrub passes over the most a node can hold (a file corrupted at the end of
// the safety phase is only found when the scrub reaches it), by the scrub's
// own cost model.
Duration LivenessBound(const Scenario& s) {
  uint64_t cost = s.workload.files * ScrubCost(s.workload.size_max);
  for (const RandomActions& r : s.random) {
    if (r.action.kind != ActionKind::kRemove) {
      uint64_t writes = static_cast<uint64_t>((r.until - r.from) / r.every) + 1;
      cost += writes * ScrubCost(s.file_size);
    }
  }
  Duration pass =
      ScrubPassDuration(cost, s.node.scrub_bytes_per_second, s.node.scrub_interval);
  return seconds(60) + 2 * std::chrono::ceil<seconds>(pass);
}

}  // namespace

Scenario SwarmScenario(uint64_t seed) {
  Draw d(seed);
  Scenario s;
  s.file = "swarm";
  s.seed = seed;
  DrawCluster(d, &s);
  DrawFaults(d, &s);
  DrawUsers(d, &s);
  s.expect.converged_within = LivenessBound(s);
  s.expect.read_every = milliseconds(d.Between(100, 1000));
  // Drawn last, so that every draw above stays what it was for a seed.
  s.faults.publish_window = d.OneOf(std::array<double, 3>{0, 0.5, 1});
  s.faults.disk_stall = d.Rate();
  s.faults.disk_stall_max = d.Seconds(1, 8);
  // The scrub reads on the node's loop: a disk much slower than the scrub
  // rate would keep the loop busy for ever, as a real one would.
  s.disk_rate = std::max<uint64_t>(
      8 * s.node.scrub_bytes_per_second,
      d.OneOf(std::array<uint64_t, 3>{16ull << 20, 256ull << 20, 1ull << 30}));
  s.disk_latency =
      std::chrono::microseconds(d.OneOf(std::array<uint64_t, 3>{0, 100, 5000}));
  if (d.Coin()) {
    // A LAN: messages faster than a node's flush (kFlushDelay), so the news
    // of a version and its install can share a batch, as on real machines.
    s.network.latency_min = std::chrono::microseconds(50);
    s.network.latency_max = std::chrono::microseconds(d.Between(100, 900));
  }
  DrawMasters(d, &s);
  return s;
}

Scenario Reproducer(const Scenario& scenario, const RunResult& run) {
  Scenario s = scenario;
  s.seed = run.seed;
  s.random.clear();
  Faults bounds;  // rates off; the phase and bounds kept
  bounds.safety_phase = scenario.faults.safety_phase;
  bounds.max_down = scenario.faults.max_down;
  bounds.keep_a_copy = scenario.faults.keep_a_copy;
  s.faults = bounds;
  s.actions = run.executed;
  return s;
}

namespace {

// The ddmin loop; see Shrink.
class Shrinker {
 public:
  Shrinker(Shrunk best, std::string invariant, ShrinkLimits limits,
           std::function<void(const Shrunk&)> on_step)
      : best_(std::move(best)),
        invariant_(std::move(invariant)),
        limits_(limits),
        on_step_(std::move(on_step)) {}

  Shrunk Go() {
    for (size_t chunks = 2; best_.runs < limits_.max_runs;) {
      const size_t n = best_.scenario.actions.size();
      if (n == 0) break;
      chunks = std::min(chunks, n);
      if (DropOneChunk(chunks)) {
        chunks = std::max<size_t>(chunks - 1, 2);
      } else if (chunks == n) {
        break;  // single actions tried: minimal
      } else {
        chunks = std::min(n, chunks * 2);
      }
    }
    return std::move(best_);
  }

 private:
  // Tries the scenario without each of `chunks` slices in turn; keeps the
  // first that still fails the same way.
  bool DropOneChunk(size_t chunks) {
    const std::vector<Action>& actions = best_.scenario.actions;
    const size_t n = actions.size();
    for (size_t i = 0; i < chunks && best_.runs < limits_.max_runs; ++i) {
      size_t from = n * i / chunks;
      size_t to = n * (i + 1) / chunks;
      Scenario candidate = best_.scenario;
      candidate.actions.erase(candidate.actions.begin() + static_cast<ptrdiff_t>(from),
                              candidate.actions.begin() + static_cast<ptrdiff_t>(to));
      RunOptions options;
      options.digest = false;
      RunResult result = RunScenario(candidate, options);
      ++best_.runs;
      if (result.ok() || result.violation->invariant != invariant_) continue;
      best_.scenario = std::move(candidate);
      best_.result = std::move(result);
      if (on_step_) on_step_(best_);
      return true;
    }
    return false;
  }

  Shrunk best_;
  const std::string invariant_;
  const ShrinkLimits limits_;
  const std::function<void(const Shrunk&)> on_step_;
};

}  // namespace

Shrunk Shrink(const Scenario& reproducer, const RunResult& failing, ShrinkLimits limits,
              const std::function<void(const Shrunk&)>& on_step) {
  Shrinker shrinker(Shrunk{reproducer, failing, 0}, failing.violation->invariant, limits,
                    on_step);
  return shrinker.Go();
}

}  // namespace dds::sim
