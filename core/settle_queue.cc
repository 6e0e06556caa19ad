// Settling paths (see settle_queue.h).
#include "core/settle_queue.h"

namespace dds {

void SettleQueue::Touch(const std::string& path, const Look& look, Instant now) {
  const Instant due = now + quiet_;
  waiting_.insert_or_assign(path, Wait{look, due});
  order_.emplace_back(due, path);
}

void SettleQueue::DropStale() {
  // An entry is stale when its path was touched again since (a later due).
  while (!order_.empty()) {
    auto it = waiting_.find(order_.front().second);
    if (it != waiting_.end() && it->second.due == order_.front().first) return;
    order_.pop_front();
  }
}

std::optional<Instant> SettleQueue::NextDue() {
  DropStale();
  if (order_.empty()) return std::nullopt;
  return order_.front().first;
}

std::vector<std::pair<std::string, SettleQueue::Look>> SettleQueue::TakeDue(Instant now) {
  std::vector<std::pair<std::string, Look>> due;
  for (DropStale(); !order_.empty() && order_.front().first <= now; DropStale()) {
    auto it = waiting_.find(order_.front().second);
    due.emplace_back(it->first, it->second.look);
    waiting_.erase(it);
    order_.pop_front();
  }
  return due;
}

}  // namespace dds
