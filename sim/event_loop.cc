// The virtual-time event queue; see event_loop.h.
#include "sim/event_loop.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace dds::sim {

void EventLoop::At(Instant when, Callback callback) {
  assert(when >= now_);
  heap_.push_back(Event{when, next_sequence_++, std::move(callback)});
  std::push_heap(heap_.begin(), heap_.end(), Later);
}

void EventLoop::RunUntil(Instant limit) {
  while (!stopped_ && !heap_.empty() && heap_.front().at <= limit) {
    std::pop_heap(heap_.begin(), heap_.end(), Later);
    Event event = std::move(heap_.back());
    heap_.pop_back();
    now_ = event.at;
    ++events_run_;
    event.callback();
  }
  if (!stopped_ && now_ < limit) now_ = limit;
}

}  // namespace dds::sim
