// The batching outbox; see outbox.h.
#include "core/outbox.h"

#include <utility>

namespace dds {

void Outbox::Send(const Address& to, Message message) {
  Queue& q = queues_[to];
  q.messages.push_back(std::move(message));
  q.open = {};  // A barrier: nothing queued later goes before it.
  q.last_report = SIZE_MAX;
  Arm();
}

void Outbox::Flush() {
  // A send can call back into nothing (Env::Send only queues), so the
  // queues cannot change while they are walked.
  for (auto& [to, q] : queues_) {
    for (const Message& m : q.messages) env_->Send(to, m);
  }
  queues_.clear();
  if (armed_) {
    env_->CancelTimer(timer_);
    armed_ = false;
  }
}

bool Outbox::OnTimer(TimerId id) {
  if (id != timer_) return false;
  armed_ = false;
  Flush();
  return true;
}

void Outbox::Arm() {
  if (armed_) return;
  armed_ = true;
  env_->SetTimer(timer_, Duration(0));
}

}  // namespace dds
