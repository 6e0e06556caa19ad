// The virtual-time event queue; see event_loop.h.
#include "sim/event_loop.h"

#include <algorithm>
#include <utility>

#include "core/check.h"

namespace dds::sim {

void EventLoop::At(Instant when, Callback callback) {
  DDS_CHECK(when >= now_);
  heap_.emplace_back();
  SiftUp(heap_.size() - 1, Event{when, next_sequence_++, std::move(callback)});
}

void EventLoop::SiftUp(size_t i, Event event) {
  while (i > 0) {
    size_t parent = (i - 1) / kArity;
    if (!Later(heap_[parent], event)) break;
    heap_[i] = std::move(heap_[parent]);
    i = parent;
  }
  heap_[i] = std::move(event);
}

void EventLoop::SiftDown(size_t i, Event event) {
  const size_t n = heap_.size();
  while (true) {
    size_t first = kArity * i + 1;
    if (first >= n) break;
    size_t best = first;
    for (size_t c = first + 1; c < std::min(first + kArity, n); ++c) {
      if (Later(heap_[best], heap_[c])) best = c;
    }
    if (!Later(event, heap_[best])) break;
    heap_[i] = std::move(heap_[best]);
    i = best;
  }
  heap_[i] = std::move(event);
}

void EventLoop::RunUntil(Instant limit) {
  while (!stopped_ && !heap_.empty() && heap_.front().at <= limit) {
    Event event = std::move(heap_.front());
    Event last = std::move(heap_.back());
    heap_.pop_back();
    if (!heap_.empty()) SiftDown(0, std::move(last));
    now_ = event.at;
    ++events_run_;
    event.callback();
  }
  if (!stopped_ && now_ < limit) now_ = limit;
}

}  // namespace dds::sim
