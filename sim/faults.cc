// Fault arrivals for [faults]; see faults.h.
#include "sim/faults.h"

#include <algorithm>

namespace dds::sim {
namespace {

struct FaultKind {
  ActionKind kind;
  double Faults::*rate;
  Duration Faults::*longest;  // how long the fault lasts at most; null: instant
};

constexpr FaultKind kKinds[] = {
    {ActionKind::kCrash, &Faults::node_crash, &Faults::node_down_max},
    {ActionKind::kMasterCrash, &Faults::master_crash, &Faults::master_down_max},
    {ActionKind::kPartition, &Faults::partition, &Faults::partition_max},
    {ActionKind::kLossSpike, &Faults::loss_spike, &Faults::spike_max},
    {ActionKind::kDelaySpike, &Faults::delay_spike, &Faults::spike_max},
    {ActionKind::kDelete, &Faults::disk_delete, nullptr},
    {ActionKind::kCorrupt, &Faults::corrupt, nullptr},
    {ActionKind::kDiskFull, &Faults::disk_full, &Faults::disk_full_max},
    {ActionKind::kDiskStall, &Faults::disk_stall, &Faults::disk_stall_max},
    {ActionKind::kCoordinationOutage, &Faults::coordination_outage,
     &Faults::coordination_outage_max},
    {ActionKind::kLeaderCutOff, &Faults::leader_cut_off, &Faults::leader_cut_off_max},
};

// A duration in [bound / 10, bound], in microseconds: a fault much shorter
// than its longest (a partition of a few milliseconds) would cut nothing and
// test nothing (sim/coverage.h).
Duration Lasting(SplitMix64& random, Duration bound) {
  const Duration shortest = bound / 10;
  return shortest +
         Duration(static_cast<int64_t>(UniformBelow(
             random.Next(), static_cast<uint64_t>((bound - shortest).count()) + 1)));
}

Action FaultAt(const Faults& faults, const FaultKind& k, Instant at, SplitMix64& random) {
  Action a;
  a.at = at;
  a.kind = k.kind;
  a.from_faults = true;
  a.loss = faults.spike_loss;
  a.delay = faults.spike_delay;
  if (k.kind == ActionKind::kCrash) {
    a.lose_writes = UniformUnit(random.Next()) < faults.lost_writes;
    a.in_publish_window =
        faults.publish_window > 0 && UniformUnit(random.Next()) < faults.publish_window;
  }
  if (k.longest) {
    Duration left = Instant(faults.safety_phase) - at;
    a.undo_after = std::min(Lasting(random, faults.*k.longest), left);
  }
  return a;
}

}  // namespace

void PlanFaults(const Faults& faults, SplitMix64& random, std::vector<Action>* plan) {
  const Instant end(faults.safety_phase);
  for (const FaultKind& k : kKinds) {
    double rate = faults.*k.rate;
    if (rate <= 0) continue;
    const double mean =
        static_cast<double>(Duration(std::chrono::minutes(1)).count()) / rate;
    // A lasting fault starts early enough to last its shortest.
    const Instant last = k.longest ? end - (faults.*k.longest) / 10 : end;
    for (Instant at{};;) {
      at += Duration(static_cast<int64_t>(2 * mean * UniformUnit(random.Next())));
      if (at >= last) break;
      plan->push_back(FaultAt(faults, k, at, random));
    }
  }
}

}  // namespace dds::sim
