// The background hashes' queue; see hash_queue.h.
#include "core/hash_queue.h"

#include "core/check.h"

namespace dds {

void HashQueue::Add(const std::string& path, uint64_t size) {
  auto [it, added] = paths_.try_emplace(path, Entry{State::kWaiting, size});
  it->second.size = size;
  if (added) {
    order_.push_back(path);
  } else if (it->second.state == State::kHashing) {
    it->second.state = State::kHashingAgain;
  }
}

void HashQueue::Touched(const std::string& path) {
  Entry& entry = paths_.at(path);
  if (entry.state == State::kHashing) entry.state = State::kHashingAgain;
}

std::vector<std::string> HashQueue::WithSize(uint64_t size) const {
  std::vector<std::string> found;
  for (const auto& [path, entry] : paths_) {
    if (entry.size == size) found.push_back(path);
  }
  return found;
}

std::optional<std::string> HashQueue::Start() {
  if (order_.empty() || in_flight_ >= max_in_flight_) return std::nullopt;
  std::string path = std::move(order_.front());
  order_.pop_front();
  paths_.at(path).state = State::kHashing;
  ++in_flight_;
  return path;
}

bool HashQueue::Finish(const std::string& path) {
  auto it = paths_.find(path);
  DDS_CHECK(it != paths_.end() && it->second.state != State::kWaiting);
  const bool again = it->second.state == State::kHashingAgain;
  paths_.erase(it);
  --in_flight_;
  return again;
}

}  // namespace dds
