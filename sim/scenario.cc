// Names for scenario vocabulary; see scenario.h.
#include "sim/scenario.h"

#include <array>
#include <utility>

namespace dds::sim {

const char* ActionName(ActionKind kind) {
  switch (kind) {
    case ActionKind::kAddNode:
      return "add_node";
    case ActionKind::kCrash:
      return "crash";
    case ActionKind::kRestart:
      return "restart";
    case ActionKind::kDelete:
      return "delete";
    case ActionKind::kCorrupt:
      return "corrupt";
    case ActionKind::kWrite:
      return "write";
    case ActionKind::kModify:
      return "modify";
    case ActionKind::kRemove:
      return "remove";
    case ActionKind::kPartition:
      return "partition";
    case ActionKind::kHeal:
      return "heal";
    case ActionKind::kMasterCrash:
      return "master_crash";
    case ActionKind::kMasterRestart:
      return "master_restart";
    case ActionKind::kRead:
      return "read";
    case ActionKind::kLossSpike:
      return "loss_spike";
    case ActionKind::kDelaySpike:
      return "delay_spike";
    case ActionKind::kCalm:
      return "calm";
    case ActionKind::kDiskFull:
      return "disk_full";
    case ActionKind::kDiskFree:
      return "disk_free";
    case ActionKind::kMove:
      return "move";
    case ActionKind::kSlowWrite:
      return "slow_write";
    case ActionKind::kTempWrite:
      return "temp_write";
    case ActionKind::kDiskStall:
      return "disk_stall";
    case ActionKind::kCoordinationOutage:
      return "coordination_outage";
    case ActionKind::kLeaderCutOff:
      return "leader_cut_off";
    case ActionKind::kCoordinationHeal:
      return "coordination_heal";
  }
  return "?";
}

namespace {

constexpr std::array<std::pair<TestFault, const char*>, 8> kTestFaultNames = {{
    {TestFault::kNone, "none"},
    {TestFault::kCorruptPublish, "corrupt-publish"},
    {TestFault::kHideDeletions, "hide-deletions"},
    {TestFault::kKeepRemoved, "keep-removed"},
    {TestFault::kRenameBeforeCommit, "rename-before-commit"},
    {TestFault::kLeakState, "leak-state"},
    {TestFault::kHashInline, "hash-inline"},
    {TestFault::kUnloggedBatches, "unlogged-batches"},
}};

}  // namespace

const char* TestFaultName(TestFault fault) {
  for (const auto& [value, name] : kTestFaultNames) {
    if (value == fault) return name;
  }
  return "?";
}

std::string TestFaultNames() {
  std::string names;
  for (const auto& [value, name] : kTestFaultNames) {
    if (value == TestFault::kNone) continue;
    names += std::string(names.empty() ? "" : ", ") + name;
  }
  return names + ", none";
}

std::optional<TestFault> ParseTestFault(std::string_view name) {
  for (const auto& [value, text] : kTestFaultNames) {
    if (name == text) return value;
  }
  return std::nullopt;
}

TestFault TestFaults::For(const std::string& node) const {
  auto it = nodes.find(node);
  return it == nodes.end() ? all : it->second;
}

std::string NodeName(uint64_t i) { return "n" + std::to_string(i); }

std::string MasterName(uint64_t i) {
  return i == 1 ? "master" : "master" + std::to_string(i);
}

}  // namespace dds::sim
