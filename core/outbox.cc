// The batching outbox; see outbox.h.
#include "core/outbox.h"

#include <algorithm>
#include <utility>

namespace dds {

void Outbox::Send(const Address& to, Message message) {
  Queue& q = queues_[to];
  q.messages.push_back(std::move(message));
  q.open = {};  // A barrier: nothing queued later goes before it.
  q.last_report = SIZE_MAX;
  Arm(false);
}

void Outbox::Flush() {
  if (!queues_.empty()) last_flush_ = env_->Now();
  // A send can call back into nothing (Env::Send only queues), so the
  // queues cannot change while they are walked.
  for (auto& [to, q] : queues_) {
    for (const Message& m : q.messages) env_->Send(to, m);
  }
  queues_.clear();
  if (due_) {
    env_->CancelTimer(timer_);
    due_.reset();
  }
}

bool Outbox::OnTimer(TimerId id) {
  if (id != timer_) return false;
  due_.reset();
  Flush();
  return true;
}

void Outbox::Arm(bool may_linger) {
  const Instant now = env_->Now();
  Instant due = now;
  if (may_linger && last_flush_) due = std::max(now, *last_flush_ + kOutboxLinger);
  if (due_ && *due_ <= due) return;
  due_ = due;
  env_->SetTimer(timer_, due - now);
}

}  // namespace dds
