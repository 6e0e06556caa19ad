// The simulator's only scheduler: a queue of callbacks on virtual time.
//
// Events run one at a time, in order of time and, for equal times, in the
// order they were scheduled (a sequence number breaks ties), so a run is a
// pure function of the scenario and the seed.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/types.h"

namespace dds::sim {

class EventLoop {
 public:
  using Callback = std::function<void()>;

  EventLoop() = default;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  Instant Now() const { return now_; }
  // REQUIRES: when >= Now().
  void At(Instant when, Callback callback);
  void After(Duration delay, Callback callback) { At(now_ + delay, std::move(callback)); }

  // Runs events until none is left, Stop() is called, or the next one is
  // later than `limit`; then the clock stands at the last event run (or at
  // `limit` if the queue ran past it).
  void RunUntil(Instant limit);
  void Stop() { stopped_ = true; }
  bool stopped() const { return stopped_; }
  uint64_t events_run() const { return events_run_; }
  size_t pending() const { return heap_.size(); }

 private:
  struct Event {
    Instant at;
    uint64_t sequence;
    Callback callback;
  };
  // Heap order: the earliest (then first scheduled) event on top.
  static bool Later(const Event& a, const Event& b) {
    return a.at != b.at ? a.at > b.at : a.sequence > b.sequence;
  }
  // A 4-ary heap: half the levels of a binary one, and a node's children
  // share cache lines, so a pop waits on fewer cache misses in a queue of
  // 100,000 messages in flight. (at, sequence) is a total order, so the order
  // events run in does not depend on the heap's shape.
  static constexpr size_t kArity = 4;
  void SiftUp(size_t i, Event event);
  void SiftDown(size_t i, Event event);

  std::vector<Event> heap_;
  Instant now_{};
  uint64_t next_sequence_ = 0;
  uint64_t events_run_ = 0;
  bool stopped_ = false;
};

}  // namespace dds::sim
