// Names for scenario vocabulary; see scenario.h.
#include "sim/scenario.h"

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
  }
  return "?";
}

std::string NodeName(uint64_t i) { return "n" + std::to_string(i); }

}  // namespace dds::sim
