// The master's latest notable events (nodes up and down, conflicts,
// removes, damage a node is repairing), oldest first, for the status API and
// the dashboard. Bounded: past kKept, the oldest goes.
#pragma once

#include <cstddef>
#include <deque>
#include <string>

#include "core/types.h"

namespace dds {

class RecentEvents {
 public:
  static constexpr size_t kKept = 64;

  struct Event {
    Instant at{};
    std::string text;
  };

  void Add(Instant at, std::string text) {
    if (events_.size() == kKept) events_.pop_front();
    events_.push_back({at, std::move(text)});
  }
  const std::deque<Event>& events() const { return events_; }

 private:
  std::deque<Event> events_;
};

}  // namespace dds
