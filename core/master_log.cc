// The master's catalog as a log: every change gets the next master-wide
// sequence number; nodes follow with a cursor and catch up in bounded pages.
//
// The log is compacted by key: only the latest change of each path is kept
// (its catalog entry, tombstones included, which are never dropped), so
// "every change after seq S" is "every path whose latest change is after
// S", and no cursor of this epoch is ever too old to serve. A node whose
// cursor is from another epoch (another master's state) or ahead of the
// head (a state rolled back) gets the whole catalog, paged, as a snapshot.
#include <algorithm>

#include "core/check.h"
#include "core/master.h"
#include "core/master_keys.h"
#include "core/meta_records.h"
#include "core/path.h"
#include "core/wire.h"

namespace dds {

void Master::HandleCatalogRequest(const Address& from, const CatalogRequest& m) {
  if (FindUp(m.node) == nullptr) {
    outbox_.Send(from, RegisterPlease{});
    return;
  }
  outbox_.Send(from, PageAfter(m.after));
}

CatalogPage Master::PageAfter(const Cursor& after) const {
  CatalogPage page;
  page.head = head();
  page.reset = after.epoch != epoch_ || after.seq > head_;
  page.after = page.reset ? Cursor{epoch_, 0} : after;
  auto it = std::upper_bound(log_.begin(), log_.end(), page.after.seq,
                             [](uint64_t seq, const auto& e) { return seq < e.first; });
  uint64_t bytes = WireSize(page);
  page.last = head();
  for (; it != log_.end(); ++it) {
    if (it->second->seq != it->first) continue;  // stale: the path moved on since
    CatalogEntry entry = catalog_.EntryOf(*it->second);
    uint64_t entry_bytes = WireSize(entry);
    if (!page.entries.empty() && bytes + entry_bytes > kMaxBatchBytes) {
      // Every change up to the last one listed is in the page.
      page.last = Cursor{epoch_, page.entries.back().seq};
      break;
    }
    page.entries.push_back(std::move(entry));
    bytes += entry_bytes;
  }
  return page;
}

void Master::Record(CatalogEntry entry) {
  const Catalog::Slot* old = catalog_.Find(entry.path);
  const uint64_t bucket = BucketOf(entry.path);
  if (old != nullptr) {
    UnholdAll(*old);
    if (!old->tombstone) {
      full_.Add(bucket, Catalog::Mix(old->path, old->version, old->hash), -1);
      history_.Remember(entry.path, old->version, old->hash);
    }
  }
  entry.seq = ++head_;
  Status s = env_->Meta().Put(CatalogKey(entry.path), EncodeRecord(entry));
  if (!s.ok()) env_->Note("master: cannot persist " + entry.path + ": " + s.ToString());
  const Catalog::Slot* slot = catalog_.Apply(entry);
  DDS_CHECK(slot != nullptr);
  if (old == nullptr) bucket_slots_[bucket].push_back(slot);
  if (!entry.tombstone)
    full_.Add(bucket, Catalog::Mix(entry.path, entry.version, entry.hash), 1);
  log_.emplace_back(entry.seq, slot);
  if (log_.size() > 2 * catalog_.size() + 1024) CompactLog();
  if (observer_ != nullptr) observer_->OnRecorded(entry);
  for (const auto& [name, node] : nodes_) {
    if (node.up) {
      outbox_.Add(node.peer_address, EntryUpdates{epoch_, {}}, &EntryUpdates::entries,
                  entry);
    }
  }
}

void Master::CompactLog() {
  std::erase_if(log_, [](const auto& e) { return e.second->seq != e.first; });
}

Result<CatalogEntry> Master::Remove(const std::string& path) {
  Status valid = ValidatePath(path);
  if (!valid.ok()) return valid;
  const Catalog::Slot* current = catalog_.Find(path);
  if (current == nullptr || current->tombstone) return Status::NotFound(path);
  CatalogEntry tombstone{path, current->version + 1, Digest{}, 0, true, "admin", 0, {}};
  Record(tombstone);
  Notable("removed " + path + " (tombstone v" + std::to_string(tombstone.version) + ")");
  return catalog_.EntryOf(*catalog_.Find(path));
}

Result<CatalogEntry> Master::Move(const std::string& from, const std::string& to) {
  for (const std::string* path : {&from, &to}) {
    if (Status valid = ValidatePath(*path); !valid.ok()) return valid;
    if (Ignored(*path))
      return Status::InvalidArgument("the ignore patterns cover " + *path);
  }
  if (from == to) return Status::InvalidArgument("a move needs two different paths");
  const Catalog::Slot* source = catalog_.Find(from);
  if (source == nullptr || source->tombstone) return Status::NotFound(from);
  const Catalog::Slot* target = catalog_.Find(to);
  if (target != nullptr && target->live())
    return Status::InvalidArgument(to + " exists; remove it first");
  CatalogEntry moved = catalog_.EntryOf(*source);
  moved.path = to;
  moved.version = target == nullptr ? 1 : target->version + 1;
  moved.base_version = 0;
  const CatalogEntry tombstone{from, source->version + 1, Digest{}, 0, true, "admin", 0,
                               {}};
  // The new path first: a node that applies one without the other still
  // has the content somewhere.
  Record(moved);
  Record(tombstone);
  Notable("moved " + from + " to " + to);
  return catalog_.EntryOf(*catalog_.Find(to));
}

}  // namespace dds
