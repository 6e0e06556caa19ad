// The node's index; see node_index.h.
#include "core/node_index.h"

#include <cstring>

#include "core/catalog.h"
#include "core/check.h"

namespace dds {

const std::vector<Digest> NodeIndex::Slot::kNoChunks;

NodeIndex::NodeIndex() {
  names_.emplace_back();  // id 0: no origin
  name_ids_[""] = 0;
}

const NodeIndex::Slot* NodeIndex::Find(std::string_view path) const {
  auto it = slots_.find(path);
  return it == slots_.end() ? nullptr : &*it;
}

uint32_t NodeIndex::NameId(const std::string& name) {
  auto [it, added] = name_ids_.try_emplace(name, static_cast<uint32_t>(names_.size()));
  if (added) names_.push_back(name);
  return it->second;
}

std::optional<NodeIndex::Claim> NodeIndex::ClaimOf(const Slot& slot) const {
  if (!slot.held()) return std::nullopt;
  if (slot.has_entry() && slot.version_ > slot.local_version_)
    return std::nullopt;  // stale
  return Claim{Catalog::Mix(slot.path_, slot.local_version_, slot.local_hash()),
               slot.local_size_};
}

template <typename F>
void NodeIndex::Change(const Slot& slot, F change) {
  const std::optional<Claim> before = ClaimOf(slot);
  const bool had_entry = slot.has_entry();
  const bool was_live = slot.live();
  const uint64_t old_size = slot.size_;
  if (slot.held()) TableErase(&slot);
  change();
  if (slot.held()) TableInsert(&slot);
  const std::optional<Claim> after = ClaimOf(slot);
  if (before != after) {
    const uint64_t bucket = BucketOf(slot.path_);
    if (before) {
      held_.Add(bucket, before->mix, -1);
      held_bytes_ -= before->size;
    }
    if (after) {
      held_.Add(bucket, after->mix, 1);
      held_bytes_ += after->size;
    }
  }
  if (was_live) {
    live_files_ -= 1;
    live_bytes_ -= old_size;
  }
  if (slot.live()) {
    live_files_ += 1;
    live_bytes_ += slot.size_;
  }
  entries_ = entries_ - (had_entry ? 1 : 0) + (slot.has_entry() ? 1 : 0);
  if (!slot.has_entry() && !slot.has_local()) slots_.erase(slots_.find(slot.path_));
}

void NodeIndex::Detach(const Slot& slot) const {
  if (slot.has_local() && !slot.own_)
    slot.own_ = std::make_unique<Slot::Own>(Slot::Own{slot.hash_, slot.chunks(), 0});
}

void NodeIndex::Share(const Slot& slot) const {
  if (slot.own_ && slot.current() && slot.own_->hash == slot.hash_ &&
      slot.own_->change_id == 0) {
    slot.own_.reset();
  }
}

bool NodeIndex::ApplyEntry(const CatalogEntry& entry) {
  auto it = slots_.find(std::string_view(entry.path));
  if (it == slots_.end()) {
    Slot fresh;
    fresh.path_ = paths_.Store(entry.path);
    it = slots_.insert(std::move(fresh)).first;
  }
  const Slot& slot = *it;
  slot.mark_ = true;
  if (slot.has_entry() && entry.version <= slot.version_) return false;
  const uint32_t origin = NameId(entry.origin);
  Change(slot, [&] {
    Detach(slot);  // The local file keeps its content.
    slot.version_ = entry.version;
    slot.hash_ = entry.hash;
    slot.size_ = entry.size;
    slot.tombstone_ = entry.tombstone;
    slot.origin_ = origin;
    slot.chunks_ = entry.chunks.empty()
                       ? nullptr
                       : std::make_unique<std::vector<Digest>>(entry.chunks);
    Share(slot);
  });
  return true;
}

void NodeIndex::DropEntry(std::string_view path) {
  const Slot* slot = Find(path);
  if (slot == nullptr || !slot->has_entry()) return;
  Change(*slot, [&] {
    Detach(*slot);
    slot->version_ = 0;
    slot->hash_ = Digest{};
    slot->size_ = 0;
    slot->tombstone_ = false;
    slot->origin_ = 0;
    slot->chunks_.reset();
  });
}

CatalogEntry NodeIndex::EntryOf(const Slot& slot) const {
  CatalogEntry e;
  e.path = std::string(slot.path_);
  e.version = slot.version_;
  e.hash = slot.hash_;
  e.size = slot.size_;
  e.tombstone = slot.tombstone_;
  e.origin = OriginOf(slot);
  e.chunks = slot.chunks();
  return e;
}

void NodeIndex::ClearMarks() {
  for (const Slot& slot : slots_) slot.mark_ = false;
}

std::vector<std::string> NodeIndex::Unmarked() const {
  std::vector<std::string> out;
  for (const Slot& slot : slots_) {
    if (slot.has_entry() && !slot.mark_) out.emplace_back(slot.path_);
  }
  return out;
}

void NodeIndex::SetLocal(std::string_view path, const Local& local) {
  auto it = slots_.find(path);
  if (it == slots_.end()) {
    Slot fresh;
    fresh.path_ = paths_.Store(path);
    it = slots_.insert(std::move(fresh)).first;
  }
  const Slot& slot = *it;
  Change(slot, [&] {
    slot.local_ = local.acked     ? Slot::LocalKind::kHeld
                  : local.removed ? Slot::LocalKind::kRemoving
                                  : Slot::LocalKind::kUndecided;
    slot.local_version_ = local.version;
    slot.local_size_ = local.size;
    slot.local_mtime_ = local.mtime;
    slot.own_ = std::make_unique<Slot::Own>(
        Slot::Own{local.hash, local.chunks, local.acked ? 0 : local.change_id});
    Share(slot);
  });
}

void NodeIndex::ClearLocal(std::string_view path) {
  const Slot* slot = Find(path);
  if (slot == nullptr || !slot->has_local()) return;
  Change(*slot, [&] {
    slot->local_ = Slot::LocalKind::kNone;
    slot->local_version_ = 0;
    slot->local_size_ = 0;
    slot->local_mtime_ = 0;
    slot->own_.reset();
  });
}

NodeIndex::Local NodeIndex::LocalOf(const Slot& slot) const {
  return Local{slot.local_version_, slot.local_hash(), slot.local_size_,
               slot.local_mtime_,   slot.held(),       slot.local_chunks(),
               slot.change_id(),    slot.removing()};
}

// ---- the content table ----

size_t NodeIndex::Home(const Digest& hash) const {
  uint64_t h = 0;
  std::memcpy(&h, hash.bytes.data(), sizeof(h));  // SHA-256 is uniform already
  return static_cast<size_t>(h) & (table_.size() - 1);
}

void NodeIndex::TableInsert(const Slot* slot) {
  if (2 * (table_used_ + 1) > table_.size()) {
    std::vector<const Slot*> old = std::move(table_);
    table_.assign(std::max<size_t>(16, old.size() * 2), nullptr);
    table_used_ = 0;
    for (const Slot* s : old) {
      if (s != nullptr) TableInsert(s);
    }
  }
  size_t i = Home(slot->local_hash());
  while (table_[i] != nullptr) i = (i + 1) & (table_.size() - 1);
  table_[i] = slot;
  table_used_ += 1;
}

void NodeIndex::TableErase(const Slot* slot) {
  const size_t mask = table_.size() - 1;
  size_t i = Home(slot->local_hash());
  while (table_[i] != slot) {
    DDS_CHECK(table_[i] != nullptr);
    i = (i + 1) & mask;
  }
  // Backward-shift deletion: later members of the run move up into the
  // hole when their home is not between the hole and where they stand.
  for (size_t j = (i + 1) & mask; table_[j] != nullptr; j = (j + 1) & mask) {
    const size_t home = Home(table_[j]->local_hash());
    const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (stays) continue;
    table_[i] = table_[j];
    i = j;
  }
  table_[i] = nullptr;
  table_used_ -= 1;
}

const NodeIndex::Slot* NodeIndex::FindHeld(const Digest& hash) const {
  if (table_.empty()) return nullptr;
  for (size_t i = Home(hash); table_[i] != nullptr; i = (i + 1) & (table_.size() - 1)) {
    if (table_[i]->local_hash() == hash) return table_[i];
  }
  return nullptr;
}

}  // namespace dds
