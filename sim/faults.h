// The [faults] section turned into concrete fault actions: for each kind
// switched on, arrivals over the safety phase with gaps drawn uniformly from
// 0 to twice the mean interval (60 s / rate), each undone (restart, heal,
// calm, disk_free) at a random time no later than the end of the safety
// phase, so the liveness phase starts with every fault over. Targets are
// chosen when the action runs, within the section's bounds (actions.h).
#pragma once

#include <vector>

#include "core/random.h"
#include "sim/scenario.h"

namespace dds::sim {

// Appends the fault actions of `faults` to `plan` (unsorted).
void PlanFaults(const Faults& faults, SplitMix64& random, std::vector<Action>* plan);

}  // namespace dds::sim
