// Swarm testing: each seed draws its own cluster, network, workload and mix
// of faults (which kinds are on, and how often), so a sweep over many seeds
// explores many different fault mixes rather than one (as in "Swarm
// Testing", Groce et al., 2012). A failing run becomes a reproducer: a plain
// scenario holding the exact actions that run carried out, which fails the
// same way on its own; Shrink then drops actions while it still does.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "sim/runner.h"
#include "sim/scenario.h"

namespace dds::sim {

// The scenario of swarm seed `seed`: settings drawn from the seed alone
// (project PRNG), a [faults] safety phase, then the liveness phase.
Scenario SwarmScenario(uint64_t seed);

// `scenario` as a script: the actions `run` carried out (explicit targets,
// at their times), no random generators and no fault rates, same seed.
Scenario Reproducer(const Scenario& scenario, const RunResult& run);

struct ShrinkLimits {
  uint64_t max_runs = 300;  // runs of the candidate scenarios, at most
};

struct Shrunk {
  Scenario scenario;
  RunResult result;   // its failing run
  uint64_t runs = 0;  // candidates tried
};

// Delta debugging (ddmin) over the reproducer's actions: drops chunks of
// actions, halving the chunk size, while the run still fails `invariant`.
// `on_step` (may be empty) hears of each candidate kept.
// REQUIRES: `reproducer` fails `invariant` with its own seed.
Shrunk Shrink(const Scenario& reproducer, const RunResult& failing, ShrinkLimits limits,
              const std::function<void(const Shrunk&)>& on_step);

}  // namespace dds::sim
