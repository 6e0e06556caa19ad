// The changes a node has reported and the master has not answered yet: the
// node sends each again, under its id, until it is answered, and tells the
// master below which id every change is settled (so the master forgets its
// decisions). Keyed by path (a newer change of a path replaces the older
// one), with the ids kept in order so that bound costs O(log n).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "core/messages.h"
#include "core/types.h"

namespace dds {

class PendingChanges {
 public:
  struct Pending {
    Change change;
    Instant sent{};  // when it was last sent; {} if never
  };

  // Records `change` for its path, replacing an older one.
  Pending& Set(Change change, Instant sent);
  void Erase(const std::string& path);
  // Erases the path's change only if it is the one with id `id`.
  void EraseIf(const std::string& path, uint64_t id);
  const Pending* Find(const std::string& path) const;
  size_t size() const { return by_path_.size(); }
  // Every id below this one is settled: the lowest pending id, or `next_id`
  // (the next the node will use) if none is pending.
  uint64_t SettledBelow(uint64_t next_id) const;

  template <typename Fn>
  void ForEach(Fn fn) {
    for (auto& [path, pending] : by_path_) fn(pending);
  }

 private:
  std::map<std::string, Pending> by_path_;  // ordered: resends are deterministic
  std::set<uint64_t> ids_;
};

}  // namespace dds
