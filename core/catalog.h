// The catalog: the latest recorded version of every path, tombstones
// included. The master owns the authoritative one; every node keeps the copy
// it last heard, and reconciles its disk toward it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/entry.h"

namespace dds {

class Catalog {
 public:
  // Records `entry` if it is newer than what is known for its path (or the
  // path is new). Returns true if the catalog changed.
  bool Apply(const CatalogEntry& entry);
  // Replaces the whole content (a snapshot from the master).
  void Reset(const std::vector<CatalogEntry>& entries);

  const CatalogEntry* Find(const std::string& path) const;
  const std::map<std::string, CatalogEntry>& entries() const { return entries_; }
  std::vector<CatalogEntry> Snapshot() const;
  size_t size() const { return entries_.size(); }
  // Paths with a live (non-tombstone) version, and their total bytes.
  size_t live_files() const { return live_files_; }
  uint64_t live_bytes() const { return live_bytes_; }

  // An order-independent digest of (path, version, hash) over all entries,
  // maintained incrementally; equal digests mean equal catalogs (with
  // overwhelming probability). Used by anti-entropy.
  uint64_t Digest() const { return digest_; }

  // The digest contribution of one (path, version, hash). Shared with the
  // holdings digest so both sides compute the same thing.
  static uint64_t Mix(const std::string& path, uint64_t version, const dds::Digest& hash);

 private:
  void Account(const CatalogEntry& entry, int sign);

  std::map<std::string, CatalogEntry> entries_;
  uint64_t digest_ = 0;
  size_t live_files_ = 0;
  uint64_t live_bytes_ = 0;
};

}  // namespace dds
