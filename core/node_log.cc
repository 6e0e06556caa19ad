// The node following the master's log, and telling the master what it holds.
//
// The catalog copy has a cursor: the last change of the master's log it has
// applied, with every change before it. Pushes (EntryUpdates) that follow
// the cursor move it; a gap (a lost push) or a heartbeat ack naming a later
// head makes the node ask for the changes after its cursor, one bounded page
// at a time (flow control: the next page is asked for once the last is
// applied). A cursor from another epoch gets a snapshot, in pages too; the
// entries it does not list are dropped at its end. The cursor is persisted,
// so a restart resumes where the node was; mid-snapshot, the old cursor is
// kept until the snapshot is whole.
#include <algorithm>

#include "core/node.h"
#include "core/path.h"
#include "core/wire.h"

namespace dds {

void Node::RequestCatalog() {
  if (!registered_) return;
  syncing_ = true;
  sync_asked_ = env_->Now();
  outbox_.Send(options_.master, CatalogRequest{options_.name, cursor_});
}

bool Node::ApplyEntry(const CatalogEntry& entry) {
  if (!ValidatePath(entry.path).ok() || !entry.WellFormed()) return false;
  if (!index_.ApplyEntry(entry)) return false;
  SaveEntry(entry);
  return true;
}

void Node::HandleCatalogPage(const CatalogPage& m) {
  last_master_contact_ = env_->Now();
  if (!syncing_) return;  // Not asked for (a registration crossed it).
  syncing_ = false;
  if (m.reset && m.after.seq == 0) {
    // A snapshot from another epoch begins: what it does not list goes.
    index_.ClearMarks();
    snapshot_ = true;
    if (cursor_.epoch != 0)
      env_->Note(options_.name + ": catalog snapshot from a new master state");
  } else if (!(m.after == cursor_)) {
    RequestCatalog();  // An answer to an older request: ask again.
    return;
  }
  std::vector<std::string> changed;
  for (const CatalogEntry& entry : m.entries) {
    if (ApplyEntry(entry)) changed.push_back(entry.path);
  }
  cursor_ = m.last;
  if (m.last == m.head) {
    if (snapshot_) FinishSnapshot();
    SaveCursor();
  } else {
    if (!snapshot_) SaveCursor();
    RequestCatalog();
  }
  for (const std::string& path : changed) Reconcile(path);
}

void Node::FinishSnapshot() {
  snapshot_ = false;
  for (const std::string& path : index_.Unmarked()) {
    env_->Meta().Delete(std::string(kCatalogKeyPrefix) + path);
    CancelPull(path);
    index_.DropEntry(path);
  }
}

void Node::HandleEntryUpdates(const EntryUpdates& m) {
  last_master_contact_ = env_->Now();
  if (m.epoch != cursor_.epoch || !registered_) return;  // Not our master's log.
  bool moved = false;
  bool gap = false;
  for (const CatalogEntry& entry : m.entries) {
    bool changed = ApplyEntry(entry);
    if (!syncing_ && entry.seq == cursor_.seq + 1) {
      cursor_.seq = entry.seq;
      moved = true;
    } else if (entry.seq > cursor_.seq + 1) {
      gap = true;
    }
    if (changed) Reconcile(entry.path, /*pushed=*/true);
  }
  if (moved && !snapshot_) SaveCursor();
  if (gap && !syncing_) RequestCatalog();
}

void Node::SaveCursor() {
  Status s = env_->Meta().Put(kCursorKey, EncodeRecord(cursor_));
  if (!s.ok()) env_->Note(options_.name + ": cannot persist cursor: " + s.ToString());
}

void Node::HandleHoldingsWanted(const HoldingsWanted& m) {
  last_master_contact_ = env_->Now();
  std::vector<bool> wanted(kHoldingBuckets, false);
  for (uint64_t b : m.buckets) {
    if (b < kHoldingBuckets) wanted[b] = true;
  }
  // One walk over the index for the whole window; the outbox splits the
  // list into messages under the bound.
  const HoldingsList header{options_.name, {}, false};
  for (const NodeIndex::Slot& slot : index_.slots()) {
    if (!slot.held() || (slot.has_entry() && slot.version() > slot.local_version()) ||
        !wanted[BucketOf(slot.path())]) {
      continue;  // Not claimed (core/node_index.h), or not asked for.
    }
    outbox_.Add(options_.master, header,
                Holding{std::string(slot.path()), slot.local_version(), slot.local_hash(),
                        slot.local_size(), slot.local_chunks()});
  }
  outbox_.Send(options_.master, HoldingsList{options_.name, {}, true});
}

}  // namespace dds
