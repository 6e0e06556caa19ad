// Carries out a scenario's actions on the World: builds the initial cluster
// and its workload, turns random generators and [faults] into a concrete
// plan, and executes each action (choosing random targets from the run's own
// stream) while telling the checkers what the scenario wrote.
//
// Every action it carries out is recorded with its targets made explicit
// (node, path, size, partition sides): played back as plain [[action]]s,
// that record reproduces the run exactly, because what an action draws at
// random beyond its target (written bytes, the corrupted byte, which
// unsynced writes a crash loses) comes from a stream keyed by the action's
// time, kind, node and path, not from the shared one.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/random.h"
#include "sim/checkers/checkers.h"
#include "sim/scenario.h"
#include "sim/world.h"

namespace dds::sim {

// A crash in a publish window waits this long at most for the node's next
// flush with publishes, then lands anyway.
inline constexpr Duration kPublishWindowWait = std::chrono::seconds(2);
// slow_write: the steps the file grows in; temp_write: how long the temp
// name lives before the rename.
inline constexpr uint64_t kSlowWriteSteps = 4;
inline constexpr Duration kTempRenameAfter = std::chrono::milliseconds(20);

// The explicit actions plus one concrete action per period of each random
// generator and the [faults] arrivals, sorted by time (stable).
std::vector<Action> PlanActions(const Scenario& scenario, SplitMix64& random);

// When the last fault of `plan` happens, counting delayed restarts and heals.
Instant LastActionTime(const std::vector<Action>& plan);

class ActionRunner {
 public:
  ActionRunner(World* world, Checkers* checkers, const Scenario& scenario, uint64_t seed);

  // The master and the initial nodes, with the workload on their disks, all
  // started at time zero.
  void BuildCluster();
  void Schedule(const Action& action);
  void Execute(const Action& action);

  // What was carried out so far, in order, with explicit targets; undos
  // are folded into their action's *_after key.
  const std::vector<Action>& executed() const { return executed_; }

 private:
  void AddNode(const Action& a);
  void Crash(const Action& a);
  void Restart(const Action& a);
  void Delete(const Action& a);
  void Corrupt(const Action& a);
  void Write(const Action& a);
  void Move(const Action& a);
  void SlowWrite(const Action& a);
  void TempWrite(const Action& a);
  // A writer's node, path (a new gen/<prefix>K.bin if the action names
  // none) and content; nullopt if no node is up.
  struct Writing {
    Host* host = nullptr;
    std::string path;
    Action done;  // the action as recorded: its size filled in
    BlobRef blob;
  };
  std::optional<Writing> StartWriting(const Action& a, const char* prefix);
  // `host` is a running source that has picked up `path` with `digest`:
  // deleting it there is a delete for the cluster (Durability checks it).
  bool KnownToSource(const Host& host, const std::string& path,
                     const Digest& digest) const;
  void Remove(const Action& a);
  void Partition(const Action& a);
  void MasterCrash(const Action& a);
  void CoordinationFault(const Action& a);
  void Read(const Action& a);
  void Spike(const Action& a);
  void DiskFull(const Action& a);
  void DiskStall(const Action& a);
  void LoseWrites(const Action& a, Host& host);

  void PlaceWorkload();
  Host& NewNode(const std::string& name);
  // Schedules the undo of `a` (kind `undo`, same node) after a.undo_after.
  void ScheduleUndo(const Action& a, ActionKind undo, const std::string& node);
  void Record(const Action& a, const std::string& node, const std::string& path);
  // [faults] bounds: whether another node may go down; whether `digest` at
  // `path` is the last copy of the path's live catalog entry.
  bool MayCrashAnother() const;
  bool LastCopy(const std::string& path, const Digest& digest) const;
  SplitMix64 StreamOf(const Action& a, const std::string& node,
                      const std::string& path) const;
  // The action's node if it names one (and it exists), else a random node in
  // the wanted state among its candidates (or all nodes).
  Host* PickNode(const Action& a, bool want_up);
  // Any master, up or not.
  Host* PickMaster();
  // The action's path, else a random file on `host`'s disk.
  std::string PickFile(const Action& a, const Host& host);
  // The action's path, else a random live path of the catalog.
  std::string PickCatalogPath(const Action& a);
  BlobRef Content(const Action& a, uint64_t size, SplitMix64& random);
  BlobRef RandomBytes(uint64_t size, SplitMix64& random);
  std::string NewNodeName();
  // The action's timeline line; `target` is the process it hit (empty: the
  // cluster as a whole), for the report's lane.
  void Log(const Action& a, const std::string& what, const std::string& target = {},
           bool skipped = false);
  void Skip(const Action& a, const std::string& why, const std::string& target = {});

  World* const world_;
  Checkers* const checkers_;
  const Scenario& scenario_;
  const uint64_t seed_;
  SplitMix64 random_;
  std::vector<Action> executed_;
  std::set<std::string> reserved_names_;  // named by add_node actions
  uint64_t next_file_ = 1;                // for generated paths
};

}  // namespace dds::sim
