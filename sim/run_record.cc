// The record of a run for its report; see run_record.h.
#include "sim/run_record.h"

#include <algorithm>

#include "sim/world.h"

namespace dds::sim {

const char* MarkClassName(MarkClass mark_class) {
  switch (mark_class) {
    case MarkClass::kCrash:
      return "crash";
    case MarkClass::kRestart:
      return "restart";
    case MarkClass::kDisk:
      return "disk";
    case MarkClass::kNetwork:
      return "network";
    case MarkClass::kWrite:
      return "write";
    case MarkClass::kRemove:
      return "remove";
    case MarkClass::kRead:
      return "read";
    case MarkClass::kNote:
      return "note";
  }
  return "note";
}

MarkClass MarkClassOf(ActionKind kind) {
  switch (kind) {
    case ActionKind::kCrash:
    case ActionKind::kMasterCrash:
      return MarkClass::kCrash;
    case ActionKind::kRestart:
    case ActionKind::kMasterRestart:
    case ActionKind::kAddNode:
      return MarkClass::kRestart;
    case ActionKind::kDelete:
    case ActionKind::kCorrupt:
    case ActionKind::kDiskFull:
    case ActionKind::kDiskFree:
    case ActionKind::kDiskStall:
      return MarkClass::kDisk;
    case ActionKind::kPartition:
    case ActionKind::kHeal:
    case ActionKind::kCoordinationOutage:
    case ActionKind::kLeaderCutOff:
    case ActionKind::kCoordinationHeal:
    case ActionKind::kLossSpike:
    case ActionKind::kDelaySpike:
    case ActionKind::kCalm:
      return MarkClass::kNetwork;
    case ActionKind::kWrite:
    case ActionKind::kModify:
    case ActionKind::kMove:
    case ActionKind::kSlowWrite:
    case ActionKind::kTempWrite:
      return MarkClass::kWrite;
    case ActionKind::kRemove:
      return MarkClass::kRemove;
    case ActionKind::kRead:
      return MarkClass::kRead;
  }
  return MarkClass::kNote;
}

namespace {

// At most RunRecord::kMaxText bytes, not cutting a UTF-8 sequence in two.
std::string Cut(std::string_view text) {
  if (text.size() <= RunRecord::kMaxText) return std::string(text);
  size_t end = RunRecord::kMaxText;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "...";
}

void Close(Span& span, Instant at) {
  if (!span.to) span.to = at;
}

}  // namespace

Lane& RunRecord::LaneOf(const std::string& process) {
  auto [it, added] = lane_index_.emplace(process, lanes_.size());
  if (added) lanes_.push_back(Lane{process, {}});
  return lanes_[it->second];
}

void RunRecord::Up(Instant at, const std::string& process) {
  LaneOf(process).up.push_back(Span{at, std::nullopt});
}

void RunRecord::Down(Instant at, const std::string& process) {
  Lane& lane = LaneOf(process);
  if (!lane.up.empty()) Close(lane.up.back(), at);
}

void RunRecord::Act(Instant at, ActionKind kind, const std::string& target,
                    std::string_view text, bool skipped) {
  AddMark(Mark{at, MarkClassOf(kind), target, Cut(text), skipped});
}

void RunRecord::Note(Instant at, const std::string& process, std::string_view text) {
  AddMark(Mark{at, MarkClass::kNote, process, Cut(text), false});
}

void RunRecord::AddMark(Mark mark) {
  if (marks_.size() < max_marks_) {
    marks_.push_back(std::move(mark));
    return;
  }
  if (!first_dropped_) first_dropped_ = mark.at;
  ++dropped_marks_;
}

void RunRecord::Partition(Instant at,
                          const std::vector<std::pair<std::string, int>>& sides) {
  Heal(at);
  const auto master = std::find_if(sides.begin(), sides.end(), [](const auto& side) {
    return side.first == kMasterName;
  });
  const int master_side = master == sides.end() ? 0 : master->second;
  PartitionSpan partition{Span{at, std::nullopt}, {}, {}};
  for (const auto& [process, side] : sides) {
    if (side != master_side) partition.cut_off.push_back(process);
    if (!partition.sides.empty()) partition.sides += ' ';
    partition.sides += process + ":" + std::to_string(side);
  }
  partitions_.push_back(std::move(partition));
}

void RunRecord::Heal(Instant at) {
  if (!partitions_.empty()) Close(partitions_.back().span, at);
}

}  // namespace dds::sim
