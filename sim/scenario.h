// A scenario: the cluster to build, the network it runs on, what happens to
// it and when, and what must hold at the end. Parsed from TOML by
// sim/scenario_parser.h; docs/scenarios.md is the user's reference.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/master.h"
#include "core/node.h"
#include "core/types.h"
#include "sim/network.h"

namespace dds::sim {

enum class ActionKind {
  kAddNode,        // "join" / "add_node": a new node with an empty disk
  kCrash,          // a node's process dies; its disk survives
  kRestart,        // a crashed node starts again over the same disk
  kDelete,         // a file vanishes from a node's disk (damage)
  kCorrupt,        // a file's bytes change silently (same size and mtime)
  kWrite,          // a file is created or replaced on a node's disk
  kModify,         // an existing file on a node's disk gets new content
  kRemove,         // explicit delete through the master (a tombstone)
  kPartition,      // the network splits into groups
  kHeal,           // the partition ends
  kMasterCrash,    // the master's process dies
  kMasterRestart,  // the master starts again
  kRead,           // a client reads a file from a node (checked for safety)
};

// Name used in scenarios ("crash") and traces.
const char* ActionName(ActionKind kind);

struct Action {
  Instant at{};
  ActionKind kind = ActionKind::kWrite;
  std::string node;  // empty: chosen at random among `candidates` (or all)
  std::string path;  // empty for write/delete/...: chosen at random
  std::optional<uint64_t> size;
  std::optional<std::string> content;            // literal bytes for write/modify
  std::vector<std::vector<std::string>> groups;  // partition
  // crash/master_crash: restart after this long; partition: heal after.
  std::optional<Duration> undo_after;
  std::vector<std::string> candidates;  // random target restricted to these
  int line = 0;                         // where it was written, for messages
};

// A generator of actions at random times: one in every `every` from `from`
// to `until`, at a random offset within each period.
struct RandomActions {
  Action action;  // the template: kind, candidates, size, undo_after
  Duration every{};
  Instant from{};
  Instant until{};
};

// Files placed on random nodes' disks before the cluster starts.
struct Workload {
  uint64_t files = 0;
  uint64_t size_min = 4096;
  uint64_t size_max = 4096;
  uint64_t copies = 1;  // how many nodes hold each file at the start
  std::string prefix = "data/";
};

struct Expect {
  Duration converged_within = std::chrono::seconds(60);
  Duration check_every = std::chrono::milliseconds(50);
  Duration read_every = std::chrono::seconds(1);  // sampled client reads; 0: none
  // Contents (written with `content = ...`) that must be live in the
  // catalog at the end, at whatever path.
  std::vector<std::string> catalog_contains;
};

struct Scenario {
  std::string file;  // where it came from, for messages and repro commands
  uint64_t seed = 1;
  uint64_t nodes = 3;
  uint64_t file_size = 4096;  // default size of written files
  NetworkOptions network;
  NodeOptions node;
  MasterOptions master;
  Workload workload;
  Expect expect;
  std::vector<Action> actions;  // sorted by time (stable)
  std::vector<RandomActions> random;
  // Misbehaving nodes, for tests proving the checkers can fail. Not settable
  // from TOML.
  std::map<std::string, TestFault> test_faults;
};

// The name of the i-th node (1-based): "n1", "n2", ...
std::string NodeName(uint64_t i);

}  // namespace dds::sim
