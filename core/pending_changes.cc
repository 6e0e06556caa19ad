// The node's unanswered changes; see pending_changes.h.
#include "core/pending_changes.h"

namespace dds {

PendingChanges::Pending& PendingChanges::Set(Change change, Instant sent) {
  Erase(change.path);
  ids_.insert(change.id);
  std::string path = change.path;
  return by_path_.insert_or_assign(std::move(path), Pending{std::move(change), sent})
      .first->second;
}

void PendingChanges::Erase(const std::string& path) {
  auto it = by_path_.find(path);
  if (it == by_path_.end()) return;
  ids_.erase(it->second.change.id);
  by_path_.erase(it);
}

void PendingChanges::EraseIf(const std::string& path, uint64_t id) {
  auto it = by_path_.find(path);
  if (it != by_path_.end() && it->second.change.id == id) Erase(path);
}

const PendingChanges::Pending* PendingChanges::Find(const std::string& path) const {
  auto it = by_path_.find(path);
  return it == by_path_.end() ? nullptr : &it->second;
}

uint64_t PendingChanges::SettledBelow(uint64_t next_id) const {
  return ids_.empty() ? next_id : *ids_.begin();
}

}  // namespace dds
