// The outcome of the invariant checks: the first violation, if any. The
// first violation also stops the run, since everything after it is noise.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/types.h"
#include "sim/event_loop.h"

namespace dds::sim {

struct Violation {
  std::string invariant;  // "Safety", "Durability" or "Liveness"
  std::string why;
  Instant at{};
};

class Verdict {
 public:
  explicit Verdict(EventLoop* loop) : loop_(loop) {}

  void Fail(std::string_view invariant, std::string why) {
    if (violation_) return;
    violation_ = Violation{std::string(invariant), std::move(why), loop_->Now()};
    loop_->Stop();
  }
  bool ok() const { return !violation_.has_value(); }
  const std::optional<Violation>& violation() const { return violation_; }

 private:
  EventLoop* const loop_;
  std::optional<Violation> violation_;
};

}  // namespace dds::sim
