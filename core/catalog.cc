// The catalog and its incremental digest.
#include "core/catalog.h"

#include <cassert>

namespace dds {

uint64_t Catalog::Mix(const std::string& path, uint64_t version,
                      const dds::Digest& hash) {
  uint64_t h = Fnv1a64(path);
  h = Fnv1a64(std::string_view(reinterpret_cast<const char*>(&version), sizeof(version)),
              h);
  h = Fnv1a64(std::string_view(reinterpret_cast<const char*>(hash.bytes.data()),
                               hash.bytes.size()),
              h);
  // A final avalanche so that XOR-combining many entries stays well mixed.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

void Catalog::Account(const CatalogEntry& entry, int sign) {
  digest_ ^= Mix(entry.path, entry.version, entry.hash);
  if (entry.tombstone) return;
  if (sign > 0) {
    live_files_ += 1;
    live_bytes_ += entry.size;
  } else {
    assert(live_files_ > 0);
    live_files_ -= 1;
    live_bytes_ -= entry.size;
  }
}

bool Catalog::Apply(const CatalogEntry& entry) {
  auto [it, inserted] = entries_.try_emplace(entry.path, entry);
  if (!inserted) {
    if (entry.version <= it->second.version) return false;
    Account(it->second, -1);
    it->second = entry;
  }
  Account(entry, +1);
  return true;
}

void Catalog::Reset(const std::vector<CatalogEntry>& entries) {
  entries_.clear();
  digest_ = 0;
  live_files_ = 0;
  live_bytes_ = 0;
  for (const CatalogEntry& e : entries) Apply(e);
}

const CatalogEntry* Catalog::Find(const std::string& path) const {
  auto it = entries_.find(path);
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<CatalogEntry> Catalog::Snapshot() const {
  std::vector<CatalogEntry> out;
  out.reserve(entries_.size());
  for (const auto& [path, entry] : entries_) out.push_back(entry);
  return out;
}

}  // namespace dds
