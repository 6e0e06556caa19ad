// The catalog and its incremental digest.
#include "core/catalog.h"

#include <cassert>

namespace dds {

uint64_t Catalog::Mix(std::string_view path, uint64_t version, const dds::Digest& hash) {
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

const Catalog::Slot* Catalog::Apply(const CatalogEntry& entry) {
  auto it = slots_.find(std::string_view(entry.path));
  if (it == slots_.end()) {
    it = slots_.insert(Slot{entry, {}}).first;
  } else {
    if (entry.version <= it->entry.version) return nullptr;
    Account(it->entry, -1);
    // Every field but the path, which is the slot's key.
    CatalogEntry& e = it->entry;
    e.version = entry.version;
    e.hash = entry.hash;
    e.size = entry.size;
    e.tombstone = entry.tombstone;
    e.origin = entry.origin;
    e.mtime = entry.mtime;
    e.chunks = entry.chunks;
    e.base_version = entry.base_version;
    e.seq = entry.seq;
  }
  Account(it->entry, +1);
  return &*it;
}

const Catalog::Slot* Catalog::FindSlot(std::string_view path) const {
  auto it = slots_.find(path);
  return it == slots_.end() ? nullptr : &*it;
}

const CatalogEntry* Catalog::Find(std::string_view path) const {
  const Slot* slot = FindSlot(path);
  return slot == nullptr ? nullptr : &slot->entry;
}

}  // namespace dds
