// ddsim --swarm: runs swarm seeds (sim/swarm.h), and for the first failing
// one writes a reproducer scenario file and a shrunk one, checks that each
// fails the same way when loaded on its own, and prints the commands.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sim/scenario.h"

namespace dds::sim {

struct SwarmFlags {
  uint64_t first = 1;
  uint64_t last = 1;
  uint64_t stride = 1;     // --shard: every stride-th seed from first
  std::string shard_note;  // " (shard I/N)" for the verdict, or empty
  bool single = false;     // --seed N: one seed, with its timeline
  std::optional<TestFault> test_fault;
  std::string repro;  // reproducer path; empty: ddsim-repro-<seed>.toml
  uint64_t shrink_runs = 300;
  std::string trace;
  bool json = false;
  bool quiet = false;
  unsigned jobs = 1;  // worker processes for a sweep
  // --report: an HTML page of the run (--seed N), or of a failure's shrunk
  // reproducer; empty: none.
  std::string report;
};

// The exit status: 0 all seeds held, 1 one failed, 2 the report could not
// be written.
int RunSwarm(const SwarmFlags& flags);

}  // namespace dds::sim
