// What the checkers know for certain, collected as the run goes, kept
// outside the core so a bug in the core cannot hide from it:
//  * every catalog entry the master recorded, across master restarts;
//  * every copy of every (path, content) on the disks, on live nodes or not,
//    and whether the last copy to go was destroyed by the scenario;
//  * every write the scenario made, and when.
// The checkers (safety.h, durability.h, liveness.h) judge from these facts.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/entry.h"
#include "core/types.h"
#include "sim/sim_disk.h"

namespace dds::sim {

// The copies of one (path, content) on all disks.
struct Copies {
  int live = 0;   // on disks of nodes that are up
  int total = 0;  // on any disk
  bool ever = false;
  bool last_loss_injected = false;  // the latest removal was the scenario's doing
  std::string last_remover;         // node that removed the latest copy
};

class Ledger {
 public:
  // Called with the path whenever what liveness expects of it may change:
  // its latest entry, or whether any live node holds that entry's content.
  void set_on_target_change(std::function<void(const std::string&)> hook) {
    on_target_change_ = std::move(hook);
  }

  // ---- catalog history ----
  void Record(const CatalogEntry& entry, Instant at);
  const CatalogEntry* Latest(const std::string& path) const;
  // The entry recorded for (path, version), if any.
  const CatalogEntry* Recorded(const std::string& path, uint64_t version) const;
  // The master took a version of `path` to have had `digest` without
  // recording it (core/master.h, CatalogObserver::OnInferred): a node may
  // hold it, so it counts as recorded content of the path.
  void RecordInferred(const std::string& path, const Digest& digest);
  bool WasRecorded(const std::string& path, const Digest& digest) const;
  // A version of `path` below `below` with content `digest` that a version
  // with other content (or a tombstone) followed: the version and when it
  // was recorded (the newest such).
  struct Replaced {
    uint64_t version = 0;
    Instant recorded{};
  };
  std::optional<Replaced> ReplacedContent(const std::string& path, const Digest& digest,
                                          uint64_t below) const;
  // A path other than `path` whose latest version with content `digest`
  // was replaced before `now` (by other content or a tombstone), with no
  // scenario write of that content, at any path, since, and no path's latest
  // version holding it now. (A write anywhere makes the content current
  // again: a crash that reverts a file to old content is such a write, and
  // the file's conflict copy may carry it. A path whose latest version holds
  // it, a mirror's rename say, may lose a conflict and keep it as a copy.)
  struct Replacement {
    std::string path;
    Instant at{};
  };
  std::optional<Replacement> StaleElsewhere(const std::string& path, const Digest& digest,
                                            Instant now) const;
  // The newest tombstone of `path` and when it was recorded.
  const CatalogEntry* LastTombstone(const std::string& path, Instant* at) const;
  const std::map<std::string, CatalogEntry>& latest() const { return latest_; }
  // Paths in the order they were first recorded (for sampling).
  const std::vector<std::string>& paths() const { return paths_; }
  size_t live_entries() const { return live_entries_; }

  // ---- copies on disks ----
  void CopyAdded(const std::string& path, const Digest& digest, bool live);
  void CopyRemoved(const std::string& path, const Digest& digest, bool live,
                   bool injected, const std::string& node);
  // A disk went online (+1) or offline (-1) with this copy on it.
  void CopyOnline(const std::string& path, const Digest& digest, int delta);
  const Copies* CopiesOf(const std::string& path, const Digest& digest) const;

  // ---- scenario writes ----
  void NoteWrite(const std::string& path, const Digest& digest, Instant at);
  // True if the scenario wrote `digest` to `path` at or after `since`.
  bool WrittenSince(const std::string& path, const Digest& digest, Instant since) const;

 private:
  struct PathHistory {
    std::map<uint64_t, CatalogEntry> versions;
    std::map<uint64_t, Instant> recorded_at;  // by version
    std::map<Digest, int> digests;            // recorded contents
    uint64_t tombstone_version = 0;
    Instant tombstone_at{};
  };
  using Key = std::pair<std::string, Digest>;
  // For lookups only: these tables are never iterated, so their order
  // cannot leak into a run.
  struct KeyHash {
    size_t operator()(const Key& key) const { return ContentMix(key.first, key.second); }
  };

  void LiveChanged(const std::string& path, int before, int after);

  std::map<std::string, PathHistory> history_;
  std::map<std::string, CatalogEntry> latest_;
  std::vector<std::string> paths_;
  size_t live_entries_ = 0;
  std::map<Digest, int> live_contents_;  // content -> latest live entries with it
  std::unordered_map<Key, Copies, KeyHash> copies_;
  std::unordered_map<Key, Instant, KeyHash> writes_;  // latest scenario write of each
  std::map<Digest, Instant> content_writes_;          // ... of each content, anywhere
  // content -> where and when a live version with it was replaced
  std::map<Digest, std::vector<Replacement>> replaced_;
  std::function<void(const std::string&)> on_target_change_;
};

}  // namespace dds::sim
