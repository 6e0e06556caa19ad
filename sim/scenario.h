// A scenario: the cluster to build, the network it runs on, what happens to
// it and when, and what must hold at the end. Parsed from TOML by
// sim/scenario_parser.h; docs/scenarios.md is the user's reference.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/master.h"
#include "core/meta_log.h"
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
  kLossSpike,      // the network loses a given share of messages for a while
  kDelaySpike,     // the network adds latency to every message for a while
  kCalm,           // the network is back to its [network] settings
  kDiskFull,       // a node's disk has no room left beyond what it holds now
  kDiskFree,       // a node's disk is back to its configured capacity
  kMove,           // a file on a node's disk is renamed (`to`)
  kSlowWrite,      // a writer that takes a while: the file grows in steps
  kTempWrite,      // rsync's way: a temp name (.NAME.XXXXXX), then a rename
  kDiskStall,      // a node's disk completes nothing for a while
  // Several masters only (Scenario::masters): the coordination service
  // (sim/sim_coordination.h) answers no one for a while; the leader is cut
  // off from it for a while; both end.
  kCoordinationOutage,
  kLeaderCutOff,
  kCoordinationHeal,
};

// Name used in scenarios ("crash") and traces.
const char* ActionName(ActionKind kind);

struct Action {
  Instant at{};
  ActionKind kind = ActionKind::kWrite;
  std::string node;  // empty: chosen at random among `candidates` (or all)
  std::string path;  // empty for write/delete/...: chosen at random
  std::string to;    // move: the new path (empty: the path and ".moved")
  // slow_write: how long the writer takes (kSlowWriteSteps steps).
  std::optional<Duration> takes;
  std::optional<uint64_t> size;
  std::optional<std::string> content;            // literal bytes for write/modify
  std::vector<std::vector<std::string>> groups;  // partition
  // crash/master_crash: restart after this long; partition: heal after;
  // disk_stall: how long the stall lasts.
  std::optional<Duration> undo_after;
  std::vector<std::string> candidates;  // random target restricted to these
  double loss = 0;                      // loss_spike: share of messages lost
  Duration delay{};                     // delay_spike: added one-way latency
  bool lose_writes = false;             // crash: unsynced writes may be lost (sim_disk.h)
  // crash: waits (at most kPublishWindowWait) for the node's next flush
  // with publishes and lands between its commit and its renames.
  bool in_publish_window = false;
  bool in_place = false;     // write/modify: races the node's hash (world.h)
  bool from_faults = false;  // made by [faults]: targets obey its bounds
  bool undo = false;         // scheduled by another action's *_after key
  int line = 0;              // where it was written, for messages
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
  // The master must never mark a node down (a scenario with no fault that
  // could: a node busy with its disk must still answer).
  bool no_node_marked_down = false;
};

// Faults injected at random during the safety phase (docs/scenarios.md).
// Rates are mean events per minute of virtual time; 0 turns a kind off.
// After the safety phase every fault is undone and the liveness phase
// begins: the cluster must converge within expect.converged_within.
struct Faults {
  Duration safety_phase{};  // 0: no [faults] section
  double node_crash = 0;
  Duration node_down_max = std::chrono::seconds(10);
  double lost_writes = 0;  // probability that a crash loses unsynced writes
  // Probability that a crash lands in a publish window (Action).
  double publish_window = 0;
  double master_crash = 0;
  Duration master_down_max = std::chrono::seconds(5);
  double partition = 0;
  Duration partition_max = std::chrono::seconds(10);
  double loss_spike = 0;
  double spike_loss = 0.3;  // share of messages lost during a loss spike
  double delay_spike = 0;
  Duration spike_delay = std::chrono::milliseconds(200);
  Duration spike_max = std::chrono::seconds(5);
  double disk_delete = 0;
  double corrupt = 0;
  double disk_full = 0;
  Duration disk_full_max = std::chrono::seconds(15);
  double disk_stall = 0;
  Duration disk_stall_max = std::chrono::seconds(5);
  // Several masters only.
  double coordination_outage = 0;
  Duration coordination_outage_max = std::chrono::seconds(5);
  double leader_cut_off = 0;
  Duration leader_cut_off_max = std::chrono::seconds(5);
  uint64_t max_down = 1;    // nodes down at once, at most
  bool keep_a_copy = true;  // never destroy the last copy of a live entry
};

// Deliberately broken nodes (or masters), for tests proving the checkers (and swarm
// sweeps) catch bugs: [test] in TOML, --test-fault on the command line. The
// core has no such switches: each is a lie of the node's simulated disk or
// Env (sim_disk.h, sim_env.h), which the node cannot tell from the truth.
enum class TestFault {
  kNone,
  kCorruptPublish,      // the disk flips a byte of every file the node publishes
  kHideDeletions,       // the disk hides files deleted from it from the node
  kKeepRemoved,         // the disk keeps files the node removes
  kRenameBeforeCommit,  // the flush's old order (WorldOptions)
  kLeakState,           // the node's random stream outlives a run (nondeterminism)
  kHashInline,          // background hashes block the node's loop (the old runtime)
  kUnloggedBatches,     // several masters: the leader commits batches it never logged
};

struct TestFaults {
  TestFault all = TestFault::kNone;        // every node
  std::map<std::string, TestFault> nodes;  // by name; wins over `all`
  TestFault For(const std::string& node) const;
};

struct Scenario {
  std::string file;  // where it came from, for messages and repro commands
  uint64_t seed = 1;
  uint64_t nodes = 3;
  // Masters: one stands alone, as `dds master` with no etcd; several share
  // a simulated coordination service (sim/sim_coordination.h), one leads
  // and the others stand by (core/master_seat.h), as `dds master --etcd`.
  uint64_t masters = 1;
  // Several masters: how long the leader's lease outlives its last contact
  // with the service.
  Duration lease_ttl = std::chrono::seconds(3);
  // Several masters: about the most the log holds before the leader trims
  // past a master left behind, which then copies the catalog.
  uint64_t max_log_bytes = kMaxLogBytes;
  uint64_t file_size = 4096;   // default size of written files
  uint64_t disk_capacity = 0;  // bytes per node disk; 0: unlimited
  // How long node disks take (sim_disk.h, DiskSpeed): bytes a second read
  // or written, and a latency per operation.
  uint64_t disk_rate = 1ull << 30;
  Duration disk_latency{};
  // Nodes started as authoritative sources (NodeOptions::source): a file
  // deleted or renamed on their disks is deleted or moved everywhere.
  std::vector<std::string> sources;
  // How long a user's write stays unsynced: a crash with lose_writes may
  // revert it (sim_disk.h).
  Duration unsynced_window = std::chrono::seconds(5);
  NetworkOptions network;
  // As the runtime's, but files settle at once unless `settle_time` says
  // otherwise: the simulated writers put a file down whole unless a
  // scenario models one that takes a while (slow_write).
  NodeOptions node = [] {
    NodeOptions n;
    n.settle_time = Duration::zero();
    n.found_settle_time = Duration::zero();
    return n;
  }();
  MasterOptions master;
  Workload workload;
  Expect expect;
  std::vector<Action> actions;  // sorted by time (stable)
  std::vector<RandomActions> random;
  Faults faults;
  TestFaults test_faults;
};

// The name of the i-th node (1-based): "n1", "n2", ...
std::string NodeName(uint64_t i);
// The name of the i-th master (1-based): "master", "master2", ...
std::string MasterName(uint64_t i);

// "corrupt-publish", "hide-deletions", "keep-removed", "rename-before-commit",
// "none".
const char* TestFaultName(TestFault fault);
std::optional<TestFault> ParseTestFault(std::string_view name);
// Every name, comma-separated, for messages.
std::string TestFaultNames();

}  // namespace dds::sim
