// The run's record: every event as one line in the trace (optionally written
// to a file), an FNV-1a digest over all trace lines (two runs with the same
// digest did the same thing), and a readable timeline for people, which
// shows only the notable lines.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "core/types.h"

namespace dds::sim {

class Trace {
 public:
  // Either may be null. Not owned.
  void set_file(std::ostream* file) { file_ = file; }
  void set_timeline(std::ostream* timeline) { timeline_ = timeline; }
  // Without a file or a digest, Event lines are worth nothing: callers
  // check wanted() before building costly text (the digest is the same
  // whether a file is written or not).
  void set_digest(bool on) { digest_on_ = on; }
  bool wanted() const { return file_ != nullptr || digest_on_; }
  bool has_timeline() const { return timeline_ != nullptr; }

  // One trace line: "<seconds.micros> <text>"; nothing unless wanted().
  void Event(Instant at, std::string_view text);
  // A trace line that also goes to the timeline.
  void Notable(Instant at, std::string_view text);
  // Timeline only (headers and verdicts, not part of the digest).
  void Say(std::string_view text);

  uint64_t digest() const { return digest_; }
  uint64_t lines() const { return lines_; }

 private:
  std::string line_;  // reused buffer
  std::ostream* file_ = nullptr;
  std::ostream* timeline_ = nullptr;
  uint64_t digest_ = 14695981039346656037ull;
  uint64_t lines_ = 0;
  bool digest_on_ = true;
};

}  // namespace dds::sim
