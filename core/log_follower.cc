// Following the master's log; see log_follower.h.
#include "core/log_follower.h"

#include <vector>

namespace dds {

void LogFollower::Ask(Instant now) {
  if (!catalog_->Request(cursor_)) return;
  asking_ = true;
  asked_at_ = now;
}

void LogFollower::OnHead(const Cursor& head, Instant now) {
  const bool stalled = asking_ && now - asked_at_ > stall_after_;
  if (!(head == cursor_) && (!asking_ || stalled)) Ask(now);
}

void LogFollower::OnPage(const CatalogPage& page, Instant now) {
  if (!asking_) return;  // Not asked for (a registration crossed it).
  asking_ = false;
  if (page.reset && page.after.seq == 0) {
    // A snapshot from another epoch begins: what it does not list goes.
    snapshot_ = true;
    catalog_->SnapshotBegins(cursor_.epoch != 0);
  } else if (!(page.after == cursor_)) {
    Ask(now);  // An answer to an older request: ask again.
    return;
  }
  Changes changed;
  for (const CatalogEntry& entry : page.entries) {
    if (catalog_->Apply(entry)) changed.emplace_back(entry.path, entry.tombstone);
  }
  cursor_ = page.last;
  if (page.last == page.head) {
    if (snapshot_) {
      snapshot_ = false;
      catalog_->SnapshotEnds();
    }
    catalog_->SaveCursor(cursor_);
  } else {
    if (!snapshot_) catalog_->SaveCursor(cursor_);
    Ask(now);
  }
  Announce(changed, /*pushed=*/false);
}

void LogFollower::Announce(const Changes& changed, bool pushed) {
  // New versions before tombstones: a path moved (a new path with the old
  // one's content, and the old one's tombstone) is renamed on the disk, not
  // deleted and pulled again.
  for (const auto& [path, tombstone] : changed) {
    if (!tombstone) catalog_->Changed(path, pushed);
  }
  for (const auto& [path, tombstone] : changed) {
    if (tombstone) catalog_->Changed(path, pushed);
  }
}

void LogFollower::OnUpdates(const EntryUpdates& updates, Instant now) {
  if (updates.epoch != cursor_.epoch) return;  // Not our master's log.
  bool moved = false;
  bool gap = false;
  Changes changed;
  for (const CatalogEntry& entry : updates.entries) {
    if (catalog_->Apply(entry)) changed.emplace_back(entry.path, entry.tombstone);
    if (!asking_ && entry.seq == cursor_.seq + 1) {
      cursor_.seq = entry.seq;
      moved = true;
    } else if (entry.seq > cursor_.seq + 1) {
      gap = true;
    }
  }
  Announce(changed, /*pushed=*/true);
  if (moved && !snapshot_) catalog_->SaveCursor(cursor_);
  if (gap && !asking_) Ask(now);
}

}  // namespace dds
