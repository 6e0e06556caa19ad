// A node's index of its paths: for each, the catalog's entry (the node's
// copy of the master's) and what its own disk holds, in one tree node per
// path, so that a path is stored once and, in the usual case where the disk
// holds the catalog's version, its digests are stored once too.
//
// The index keeps two things up to date with every change, so that no
// question about them costs a walk over the files:
//  * what the node claims to hold (core/holdings.h): every verified file
//    whose version is not older than the catalog's, summed bucket by bucket
//    for the master;
//  * the verified files by content, so a file held under one path can be
//    copied to another instead of pulled.
//
// Memory, for a file held at the catalog's version: its tree node (about
// 144 bytes, from a NodePool, core/arena.h), its path's bytes (in a
// PathArena) and 16 bytes of the content table; a multi-chunk file adds its
// chunk digests (32 bytes a MiB) once. A path whose slot is erased leaves
// its bytes in the arena (only files removed without ever being recorded,
// or dropped by a snapshot, do).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/arena.h"
#include "core/entry.h"
#include "core/holdings.h"

namespace dds {

class NodeIndex {
 public:
  // What the disk holds at one path, as the node recorded it (durably, under
  // "local/<path>").
  struct Local {
    uint64_t version = 0;  // catalog version the content is; base version if !acked
    Digest hash;
    uint64_t size = 0;
    int64_t mtime = 0;
    bool acked = false;          // false: a local change the master has not decided yet
    std::vector<Digest> chunks;  // chunk digests, kept for reporting a change
    uint64_t change_id = 0;      // !acked: the id the change was reported with
    // !acked: a source's delete of the content `hash` (no file on disk).
    bool removed = false;
    template <typename S>
    static auto Tie(S& s) {
      return std::tie(s.version, s.hash, s.size, s.mtime, s.acked, s.chunks, s.change_id,
                      s.removed);
    }
    bool operator==(const Local&) const = default;
  };

  // One path. Read through the accessors; only the index changes it.
  class Slot {
   public:
    std::string_view path() const { return path_; }

    // The catalog's entry (version 0: none).
    bool has_entry() const { return version_ != 0; }
    uint64_t version() const { return version_; }
    const Digest& hash() const { return hash_; }
    uint64_t size() const { return size_; }
    bool tombstone() const { return tombstone_; }
    bool live() const { return has_entry() && !tombstone_; }
    const std::vector<Digest>& chunks() const { return chunks_ ? *chunks_ : kNoChunks; }

    // The disk's file.
    bool has_local() const { return local_ != LocalKind::kNone; }
    bool held() const { return local_ == LocalKind::kHeld; }  // verified, recorded
    // A local change the master has not decided yet (an edit or a delete).
    bool undecided() const {
      return local_ == LocalKind::kUndecided || local_ == LocalKind::kRemoving;
    }
    // Of those, a source's delete: local_hash() is the content it deletes.
    bool removing() const { return local_ == LocalKind::kRemoving; }
    uint64_t local_version() const { return local_version_; }
    uint64_t local_size() const { return local_size_; }
    int64_t local_mtime() const { return local_mtime_; }
    const Digest& local_hash() const { return own_ ? own_->hash : hash_; }
    const std::vector<Digest>& local_chunks() const {
      return own_ ? own_->chunks : chunks();
    }
    uint64_t change_id() const { return own_ ? own_->change_id : 0; }
    // Held at the catalog's live version.
    bool current() const { return held() && live() && local_version_ == version_; }

   private:
    friend class NodeIndex;
    enum class LocalKind : uint8_t { kNone, kHeld, kUndecided, kRemoving };
    // The local file's content when it is not the entry's.
    struct Own {
      Digest hash;
      std::vector<Digest> chunks;
      uint64_t change_id = 0;
    };
    static const std::vector<Digest> kNoChunks;

    std::string_view path_;  // in the index's PathArena
    mutable Digest hash_;
    mutable uint64_t version_ = 0;
    mutable uint64_t size_ = 0;
    mutable std::unique_ptr<std::vector<Digest>> chunks_;
    mutable std::unique_ptr<Own> own_;
    mutable uint64_t local_version_ = 0;
    mutable uint64_t local_size_ = 0;
    mutable int64_t local_mtime_ = 0;
    mutable uint32_t origin_ = 0;  // NodeIndex::names_
    mutable LocalKind local_ = LocalKind::kNone;
    mutable bool tombstone_ = false;
    mutable bool mark_ = false;  // seen by the snapshot being applied
  };
  struct ByPath {
    using is_transparent = void;
    bool operator()(const Slot& a, const Slot& b) const { return a.path_ < b.path_; }
    bool operator()(const Slot& a, std::string_view b) const { return a.path_ < b; }
    bool operator()(std::string_view a, const Slot& b) const { return a < b.path_; }
  };
  using Slots = std::set<Slot, ByPath, PoolAllocator<Slot>>;

  NodeIndex();

  const Slot* Find(std::string_view path) const;
  const Slots& slots() const { return slots_; }

  // ---- the catalog's side ----
  // Records `entry` if it is newer than the slot's (or the slot has none).
  // True if it changed.
  bool ApplyEntry(const CatalogEntry& entry);
  // Forgets the slot's entry (a snapshot that no longer lists it).
  void DropEntry(std::string_view path);
  // The slot's entry, rebuilt (without the fields only the master uses:
  // mtime, base version, seq).
  CatalogEntry EntryOf(const Slot& slot) const;
  const std::string& OriginOf(const Slot& slot) const { return names_[slot.origin_]; }
  size_t entries() const { return entries_; }
  size_t live_files() const { return live_files_; }
  uint64_t live_bytes() const { return live_bytes_; }
  // Snapshots: every entry unmarked, each applied entry marked, the unmarked
  // ones dropped at the end.
  void ClearMarks();
  std::vector<std::string> Unmarked() const;

  // ---- the disk's side ----
  void SetLocal(std::string_view path, const Local& local);
  void ClearLocal(std::string_view path);
  Local LocalOf(const Slot& slot) const;
  // A held file with this content, if any.
  const Slot* FindHeld(const Digest& hash) const;
  // `path` is held, and the disk shows it with the size and mtime recorded
  // with it: as far as size and mtime tell, still the held version's bytes
  // (a node trusts that rather than re-hash; a server checks the file it
  // opened with it, since a change in place may not be examined yet).
  bool HeldAsRecorded(std::string_view path, uint64_t size, int64_t mtime) const {
    const Slot* slot = Find(path);
    return slot != nullptr && slot->held() && slot->local_size() == size &&
           slot->local_mtime() == mtime;
  }

  // What the node claims to hold.
  const BucketSums& held() const { return held_; }
  uint64_t held_bytes() const { return held_bytes_; }

 private:
  // A slot's claim: its Mix and size, if the node claims it.
  struct Claim {
    uint64_t mix = 0;
    uint64_t size = 0;
    bool operator==(const Claim&) const = default;
  };
  std::optional<Claim> ClaimOf(const Slot& slot) const;
  // Runs `change` on `slot`, keeping the claims, the content table and the
  // catalog counts in step; erases the slot if nothing is left in it.
  template <typename F>
  void Change(const Slot& slot, F change);
  // Gives the local file its own copy of the content before the entry moves
  // away from it, or drops the copy once the two agree.
  void Detach(const Slot& slot) const;
  void Share(const Slot& slot) const;
  uint32_t NameId(const std::string& name);

  // The content table: held slots by local hash, open addressing with
  // linear probing over a power-of-two table (at most half full).
  void TableInsert(const Slot* slot);
  void TableErase(const Slot* slot);
  size_t Home(const Digest& hash) const;

  PathArena paths_;  // before slots_, which points into it
  Slots slots_;
  std::vector<std::string> names_;  // origins, interned
  std::map<std::string, uint32_t> name_ids_;
  std::vector<const Slot*> table_;
  size_t table_used_ = 0;
  BucketSums held_;
  uint64_t held_bytes_ = 0;
  size_t entries_ = 0;
  size_t live_files_ = 0;
  uint64_t live_bytes_ = 0;
};

}  // namespace dds
