// The node's catalog copy as the master's log moves it (the decisions are
// LogFollower's, core/log_follower.h), and telling the master what it holds.
#include <algorithm>

#include "core/node.h"
#include "core/path.h"
#include "core/wire.h"

namespace dds {

bool Node::Apply(const CatalogEntry& entry) {
  if (!ValidatePath(entry.path).ok() || !entry.WellFormed()) return false;
  if (!index_.ApplyEntry(entry)) return false;
  SaveEntry(entry);
  return true;
}

void Node::Changed(const std::string& path, bool pushed) { Reconcile(path, pushed); }

void Node::SnapshotBegins(bool replacing) {
  index_.ClearMarks();
  if (replacing) env_->Note(options_.name + ": catalog snapshot from a new master state");
}

void Node::SnapshotEnds() {
  for (const std::string& path : index_.Unmarked()) {
    env_->Meta().Delete(std::string(kCatalogKeyPrefix) + path);
    CancelPull(path);
    index_.DropEntry(path);
  }
}

bool Node::Request(const Cursor& after) {
  if (!registered_) return false;
  outbox_.Send(master_.current(), CatalogRequest{options_.name, after});
  return true;
}

void Node::SaveCursor(const Cursor& cursor) {
  Status s = env_->Meta().Put(kCursorKey, EncodeRecord(cursor));
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
    outbox_.Add(master_.current(), header,
                Holding{std::string(slot.path()), slot.local_version(), slot.local_hash(),
                        slot.local_size(), slot.local_chunks()});
  }
  outbox_.Send(master_.current(), HoldingsList{options_.name, {}, true});
}

}  // namespace dds
