// Carries out a scenario's actions on the World: builds the initial cluster
// and its workload, turns random generators into a concrete plan, and
// executes each action (choosing random targets from the run's own stream)
// while telling the checkers what the scenario wrote.
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

// The explicit actions plus one concrete action per period of each random
// generator, sorted by time (stable).
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

 private:
  void AddNode(const Action& a);
  void Crash(const Action& a);
  void Restart(const Action& a);
  void Delete(const Action& a);
  void Corrupt(const Action& a);
  void Write(const Action& a);
  void Remove(const Action& a);
  void Partition(const Action& a);
  void MasterCrash(const Action& a);
  void Read(const Action& a);

  void PlaceWorkload();
  void StartNode(const std::string& name);
  // The action's node if it names one (and it exists), else a random node in
  // the wanted state among its candidates (or all nodes).
  Host* PickNode(const Action& a, bool want_up);
  // The action's path, else a random file on `host`'s disk.
  std::string PickFile(const Action& a, const Host& host);
  // The action's path, else a random live path of the catalog.
  std::string PickCatalogPath(const Action& a);
  BlobRef Content(const Action& a, uint64_t default_size);
  BlobRef RandomBytes(uint64_t size);
  std::string NewNodeName();
  void Log(const Action& a, const std::string& what);

  World* const world_;
  Checkers* const checkers_;
  const Scenario& scenario_;
  SplitMix64 random_;
  std::set<std::string> reserved_names_;  // named by add_node actions
  uint64_t next_file_ = 1;                // for generated paths
};

}  // namespace dds::sim
