// The master's catalog: the latest recorded version of every path,
// tombstones included. (Each node keeps its copy of it in its NodeIndex,
// core/node_index.h, beside what its disk holds.)
//
// Memory: one node per path in a tree ordered by path, holding the entry
// (whose path is the key: stored once) and which nodes hold that version
// (HolderSet, 8 bytes up to 64 nodes).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "core/entry.h"
#include "core/holder_set.h"

namespace dds {

class Catalog {
 public:
  // One path. `entry.path` is the slot's key in the tree and is never
  // changed once inserted; the other fields are mutable through const
  // references, since they do not affect the order.
  struct Slot {
    mutable CatalogEntry entry;
    mutable HolderSet holders;  // nodes holding entry's version
  };
  struct ByPath {
    using is_transparent = void;
    bool operator()(const Slot& a, const Slot& b) const {
      return a.entry.path < b.entry.path;
    }
    bool operator()(const Slot& a, std::string_view b) const { return a.entry.path < b; }
    bool operator()(std::string_view a, const Slot& b) const { return a < b.entry.path; }
  };
  using Slots = std::set<Slot, ByPath>;

  // Records `entry` if it is newer than what is known for its path (or the
  // path is new). Returns its slot if the catalog changed, else null.
  const Slot* Apply(const CatalogEntry& entry);

  const CatalogEntry* Find(std::string_view path) const;
  const Slot* FindSlot(std::string_view path) const;
  const Slots& slots() const { return slots_; }
  size_t size() const { return slots_.size(); }
  // Paths with a live (non-tombstone) version, and their total bytes.
  size_t live_files() const { return live_files_; }
  uint64_t live_bytes() const { return live_bytes_; }

  // An order-independent digest of (path, version, hash) over all entries,
  // maintained incrementally; equal digests mean equal catalogs (with
  // overwhelming probability).
  uint64_t Digest() const { return digest_; }

  // The digest contribution of one (path, version, hash). Shared with the
  // holdings digests so both sides compute the same thing.
  static uint64_t Mix(std::string_view path, uint64_t version, const dds::Digest& hash);

 private:
  void Account(const CatalogEntry& entry, int sign);

  Slots slots_;
  uint64_t digest_ = 0;
  size_t live_files_ = 0;
  uint64_t live_bytes_ = 0;
};

}  // namespace dds
