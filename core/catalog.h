// The master's catalog: the latest recorded version of every path,
// tombstones included. (Each node keeps its copy of it in its NodeIndex,
// core/node_index.h, beside what its disk holds.)
//
// Memory, for a file of one chunk: one tree node (about 160 bytes, from a
// NodePool: the fields below, and which nodes hold the version, 8 bytes up
// to 64 nodes) and its path's bytes (in a PathArena, stored once: the node
// refers to them); a multi-chunk file adds its chunk digests (32 bytes a
// MiB). The origin's name is interned.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/arena.h"
#include "core/entry.h"
#include "core/holder_set.h"

namespace dds {

class Catalog {
 public:
  // One path's entry (CatalogEntry's fields, packed). `path` is the slot's
  // key and never changes; the rest changes through Apply only, and the
  // holders through the master.
  struct Slot {
    std::string_view path;  // in the catalog's PathArena
    mutable uint64_t version = 0;
    mutable Digest hash;
    mutable uint64_t size = 0;
    mutable int64_t mtime = 0;
    mutable uint64_t base_version = 0;
    mutable uint64_t seq = 0;
    mutable uint32_t origin_id = 0;  // Catalog::OriginOf
    mutable bool tombstone = false;
    mutable std::unique_ptr<std::vector<Digest>> chunk_list;  // null: <= 1 chunk
    mutable HolderSet holders;  // nodes holding this version

    bool live() const { return !tombstone; }
    const std::vector<Digest>& chunks() const {
      return chunk_list ? *chunk_list : kNoChunks;
    }

   private:
    static const std::vector<Digest> kNoChunks;
  };
  struct ByPath {
    using is_transparent = void;
    bool operator()(const Slot& a, const Slot& b) const { return a.path < b.path; }
    bool operator()(const Slot& a, std::string_view b) const { return a.path < b; }
    bool operator()(std::string_view a, const Slot& b) const { return a < b.path; }
  };
  using Slots = std::set<Slot, ByPath, PoolAllocator<Slot>>;

  Catalog();
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  // Records `entry` if it is newer than what is known for its path (or the
  // path is new). Returns its slot if the catalog changed, else null.
  const Slot* Apply(const CatalogEntry& entry);

  const Slot* Find(std::string_view path) const;
  const Slots& slots() const { return slots_; }
  // The slot's entry, whole.
  CatalogEntry EntryOf(const Slot& slot) const;
  const std::string& OriginOf(const Slot& slot) const { return names_[slot.origin_id]; }
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
  void Account(const Slot& slot, int sign);
  uint32_t NameId(const std::string& name);

  PathArena paths_;  // before slots_, which points into it
  Slots slots_;
  std::vector<std::string> names_;  // origins, interned
  std::map<std::string, uint32_t> name_ids_;
  uint64_t digest_ = 0;
  size_t live_files_ = 0;
  uint64_t live_bytes_ = 0;
};

}  // namespace dds
