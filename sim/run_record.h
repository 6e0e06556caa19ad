// What an HTML report (sim/html_report.h) draws of a run, as typed events:
// processes going up and down, actions and faults and the processes' notable
// notes as marks, partitions as spans of time with the processes they cut
// off from the master. The World, the ActionRunner and SimEnv feed it only
// when a report is asked for (RunOptions::record); otherwise they skip it on
// a null pointer. It never feeds back into the run, so a recorded run is the
// same run, trace and digest included.
//
// Marks are capped: a long run can note millions of things, and a page of
// millions of marks is neither readable nor a sane size. The first
// `max_marks` are kept, the rest only counted. Up and down intervals and
// partitions are kept in full: there is one per crash, restart or partition
// action, which the run holds anyway (RunResult::executed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/types.h"
#include "sim/scenario.h"

namespace dds::sim {

// How a mark is drawn: one shape and colour per class (the CSS class of the
// mark in the report).
enum class MarkClass {
  kCrash,    // crash, master_crash
  kRestart,  // restart, master_restart, join
  kDisk,     // delete, corrupt, disk_full, disk_free: damage to a disk
  kNetwork,  // partition, heal, loss_spike, delay_spike, calm
  kWrite,    // write, modify: the users' writes
  kRemove,   // remove: a user's delete through the master
  kRead,     // read: a client read, checked
  kNote,     // a process's notable note (a conflict, a restore, ...)
};
const char* MarkClassName(MarkClass mark_class);
MarkClass MarkClassOf(ActionKind kind);

struct Mark {
  Instant at{};
  MarkClass mark_class = MarkClass::kNote;
  std::string lane;  // a process's name; empty: the cluster as a whole
  std::string text;  // the timeline's line
  bool skipped = false;
};

// [from, to); no `to`: still going at the end of the run.
struct Span {
  Instant from{};
  std::optional<Instant> to;
};

struct Lane {
  std::string process;
  std::vector<Span> up;
};

struct PartitionSpan {
  Span span;
  std::vector<std::string> cut_off;  // processes not on the master's side
  std::string sides;                 // "master:0 n1:1 n2:0", as the timeline says
};

class RunRecord {
 public:
  static constexpr size_t kDefaultMaxMarks = 3000;
  // A mark's text is cut to this many bytes: a scenario's path is not bounded.
  static constexpr size_t kMaxText = 300;

  explicit RunRecord(size_t max_marks = kDefaultMaxMarks) : max_marks_(max_marks) {}

  void Up(Instant at, const std::string& process);
  void Down(Instant at, const std::string& process);
  // An action carried out (or skipped) on `target`: a process, or empty.
  void Act(Instant at, ActionKind kind, const std::string& target, std::string_view text,
           bool skipped);
  void Note(Instant at, const std::string& process, std::string_view text);
  // A partition begins (and ends the one before, if any): every process
  // with the number of its side.
  void Partition(Instant at, const std::vector<std::pair<std::string, int>>& sides);
  void Heal(Instant at);

  // Lanes in the order the processes first came up.
  const std::vector<Lane>& lanes() const { return lanes_; }
  const std::vector<Mark>& marks() const { return marks_; }
  const std::vector<PartitionSpan>& partitions() const { return partitions_; }
  size_t max_marks() const { return max_marks_; }
  uint64_t dropped_marks() const { return dropped_marks_; }
  // When the first mark not kept happened.
  std::optional<Instant> first_dropped() const { return first_dropped_; }

 private:
  Lane& LaneOf(const std::string& process);
  void AddMark(Mark mark);

  const size_t max_marks_;
  std::vector<Lane> lanes_;
  std::map<std::string, size_t, std::less<>> lane_index_;
  std::vector<Mark> marks_;
  std::vector<PartitionSpan> partitions_;
  uint64_t dropped_marks_ = 0;
  std::optional<Instant> first_dropped_;
};

}  // namespace dds::sim
