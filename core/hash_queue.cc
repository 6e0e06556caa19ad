// The background hashes' queue; see hash_queue.h.
#include "core/hash_queue.h"

#include "core/check.h"

namespace dds {

void HashQueue::Add(const std::string& path) {
  auto [it, added] = paths_.try_emplace(path, State::kWaiting);
  if (added) {
    order_.push_back(path);
  } else if (it->second == State::kHashing) {
    it->second = State::kHashingAgain;
  }
}

std::optional<std::string> HashQueue::Start() {
  if (order_.empty() || in_flight_ >= max_in_flight_) return std::nullopt;
  std::string path = std::move(order_.front());
  order_.pop_front();
  paths_.at(path) = State::kHashing;
  ++in_flight_;
  return path;
}

bool HashQueue::Finish(const std::string& path) {
  auto it = paths_.find(path);
  DDS_CHECK(it != paths_.end() && it->second != State::kWaiting);
  const bool again = it->second == State::kHashingAgain;
  paths_.erase(it);
  --in_flight_;
  return again;
}

}  // namespace dds
