// The catalog and its incremental digest.
#include "core/catalog.h"

#include "core/check.h"

namespace dds {

const std::vector<Digest> Catalog::Slot::kNoChunks;

Catalog::Catalog() {
  names_.emplace_back();  // id 0: no origin
  name_ids_[""] = 0;
}

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

uint32_t Catalog::NameId(const std::string& name) {
  auto [it, added] = name_ids_.try_emplace(name, static_cast<uint32_t>(names_.size()));
  if (added) names_.push_back(name);
  return it->second;
}

void Catalog::Account(const Slot& slot, int sign) {
  digest_ ^= Mix(slot.path, slot.version, slot.hash);
  if (slot.tombstone) return;
  if (sign > 0) {
    live_files_ += 1;
    live_bytes_ += slot.size;
  } else {
    DDS_CHECK(live_files_ > 0);
    live_files_ -= 1;
    live_bytes_ -= slot.size;
  }
}

const Catalog::Slot* Catalog::Apply(const CatalogEntry& entry) {
  auto it = slots_.find(std::string_view(entry.path));
  if (it == slots_.end()) {
    Slot fresh;
    fresh.path = paths_.Store(entry.path);
    it = slots_.insert(std::move(fresh)).first;
  } else {
    if (entry.version <= it->version) return nullptr;
    Account(*it, -1);
  }
  const Slot& slot = *it;
  slot.version = entry.version;
  slot.hash = entry.hash;
  slot.size = entry.size;
  slot.mtime = entry.mtime;
  slot.base_version = entry.base_version;
  slot.seq = entry.seq;
  slot.origin_id = NameId(entry.origin);
  slot.tombstone = entry.tombstone;
  slot.chunk_list = entry.chunks.empty()
                        ? nullptr
                        : std::make_unique<std::vector<dds::Digest>>(entry.chunks);
  Account(slot, +1);
  return &slot;
}

const Catalog::Slot* Catalog::Find(std::string_view path) const {
  auto it = slots_.find(path);
  return it == slots_.end() ? nullptr : &*it;
}

CatalogEntry Catalog::EntryOf(const Slot& slot) const {
  CatalogEntry e;
  e.path = std::string(slot.path);
  e.version = slot.version;
  e.hash = slot.hash;
  e.size = slot.size;
  e.tombstone = slot.tombstone;
  e.origin = OriginOf(slot);
  e.mtime = slot.mtime;
  e.chunks = slot.chunks();
  e.base_version = slot.base_version;
  e.seq = slot.seq;
  return e;
}

}  // namespace dds
