// The master deciding changes: sequencing per path, old copies, the
// conflict rule, and the decisions kept until their node has settled them.
#include <algorithm>

#include "core/conflict.h"
#include "core/master.h"
#include "core/master_keys.h"
#include "core/path.h"
#include "core/wire.h"

namespace dds {
void Master::HandleChanges(const Address& from, const Changes& m) {
  NodeRecord* node = FindUp(m.node);
  if (node == nullptr) {
    outbox_.Send(from, RegisterPlease{});
    return;
  }
  node->last_seen = env_->Now();
  SettleDecisions(*node, m.settled_below);
  // The answers go after the pushes of what they recorded, in one batch (a
  // push between two answers would close the answers' batch).
  std::vector<ChangeAck> acks;
  acks.reserve(m.items.size());
  for (const Change& change : m.items) {
    if (!ValidatePath(change.path).ok()) continue;
    CatalogEntry shape{change.path, 1,      change.hash,  change.size,
                       false,       m.node, change.mtime, change.chunks};
    if (!shape.WellFormed() || (change.removed && change.size != 0)) continue;
    if (Ignored(change.path)) {
      // A node whose patterns are behind ours: refused, not decided (if
      // the pattern goes, the change is welcome when sent again).
      acks.push_back(ChangeAck{change.id, change.path, change.hash, false, 0, "", 0});
      continue;
    }
    acks.push_back(DecideChange(*node, change));
  }
  for (ChangeAck& ack : acks) outbox_.Add(from, ChangeAcks{}, std::move(ack));
}

ChangeAck Master::DecideChange(NodeRecord& node, const Change& change) {
  auto earlier = node.decisions.find(change.id);
  if (earlier != node.decisions.end() && earlier->second.ack.path == change.path &&
      earlier->second.base_version == change.base_version &&
      earlier->second.ack.hash == change.hash) {
    return earlier->second.ack;  // Sent again: same answer.
  }
  Decision decision{change.base_version, DecideNew(node, change)};
  decision.ack.id = change.id;
  Status s = env_->Meta().Put(DecisionKey(node.name, change.id), EncodeRecord(decision));
  if (!s.ok()) env_->Note("master: cannot persist a decision: " + s.ToString());
  node.decisions[change.id] = decision;
  return decision.ack;
}

void Master::SettleDecisions(NodeRecord& node, uint64_t settled_below) {
  auto end = node.decisions.lower_bound(settled_below);
  for (auto it = node.decisions.begin(); it != end; ++it) {
    Status s = env_->Meta().Delete(DecisionKey(node.name, it->first));
    if (!s.ok()) env_->Note("master: cannot forget a decision: " + s.ToString());
  }
  node.decisions.erase(node.decisions.begin(), end);
}

ChangeAck Master::DecideRemoval(NodeRecord& node, const Change& change) {
  const Catalog::Slot* current = catalog_.Find(change.path);
  if (current != nullptr && current->tombstone) {
    return ChangeAck{change.id, change.path, change.hash, true, current->version, "", 0};
  }
  uint64_t replaced = 0;  // the version the tombstone follows
  if (current == nullptr) {
    // Deleted before any report of it was recorded. Its content was the
    // path's first version all the same: a report of it still on its way
    // (another node's copy) is then a copy of what the source deleted, not
    // a new file, and the delete does not come back.
    replaced = 1;
    history_.Remember(change.path, replaced, change.hash);
    if (observer_ != nullptr) observer_->OnInferred(change.path, replaced, change.hash);
  } else {
    replaced = std::max(current->version, change.base_version);
  }
  // The delete is of the current version if it follows the node's own
  // change, if the node holds that version (its report of the same content
  // as another node's was answered with it, say), or if what it deletes is
  // that version's content (recorded from another node before the node's
  // own report of it arrived). Otherwise a newer edit wins over the delete.
  if (current != nullptr && change.base_version < current->version &&
      !SupersedesOwnChange(node, change, *current) &&
      !current->holders.Contains(node.slot) && change.hash != current->hash) {
    return ChangeAck{change.id, change.path, change.hash, false, 0, "", 0};
  }
  CatalogEntry tombstone{change.path, replaced + 1, Digest{}, 0, true, node.name, 0, {}};
  tombstone.base_version = change.base_version;
  Record(tombstone);
  return ChangeAck{change.id, change.path, change.hash, true, tombstone.version, "", 0};
}

ChangeAck Master::DecideNew(NodeRecord& node, const Change& change) {
  if (change.removed) return DecideRemoval(node, change);
  const Catalog::Slot* current = catalog_.Find(change.path);
  CatalogEntry candidate{change.path, 0,         change.hash,  change.size,
                         false,       node.name, change.mtime, change.chunks};
  if (current != nullptr && !current->tombstone && current->hash == change.hash) {
    // Same content as recorded: nothing new, the node simply holds it.
    Hold(node, *current);
    return ChangeAck{change.id, change.path, change.hash, true, current->version, "", 0};
  }
  uint64_t current_version = current == nullptr ? 0 : current->version;
  bool sequential = change.base_version >= current_version ||
                    SupersedesOwnChange(node, change, *current);
  if (!sequential) {
    std::optional<uint64_t> late = history_.Find(change.path, change.hash);
    if (late && *late > change.base_version) {
      // A copy of version `late`, not an edit (core/version_history.h): the
      // node holds that version and will pull the current one (or apply its
      // tombstone).
      return ChangeAck{change.id, change.path, change.hash, true, *late, "", 0};
    }
    // Concurrent with what is recorded: the conflict rule decides.
    candidate.version = current_version + 1;
    const CatalogEntry recorded = catalog_.EntryOf(*current);
    if (!WinsConflict(candidate, recorded))
      return KeepAsConflictCopy(candidate, node, change);
    KeepAsConflictCopy(recorded, node, change);
  }
  candidate.version = std::max(current_version, change.base_version) + 1;
  candidate.base_version = change.base_version;
  Record(candidate);
  Hold(node, *catalog_.Find(change.path));
  return ChangeAck{change.id, change.path, change.hash, true, candidate.version, "", 0};
}

bool Master::SupersedesOwnChange(const NodeRecord& node, const Change& change,
                                 const Catalog::Slot& current) const {
  // A node that edits a file again before hearing the fate of its previous
  // change sends the same base twice (a file reported while still being
  // written, then complete; a source's file deleted, then written again).
  // If the current version is that previous change, the new one follows it
  // rather than competing with it.
  return catalog_.OriginOf(current) == node.name &&
         current.base_version == change.base_version;
}

ChangeAck Master::KeepAsConflictCopy(const CatalogEntry& loser, NodeRecord& node,
                                     const Change& change) {
  std::string path = ConflictPath(loser);
  if (!ValidatePath(path).ok())
    path = "conflicts/" + loser.origin + "-" + loser.hash.Hex();
  const Catalog::Slot* existing = catalog_.Find(path);
  if (existing != nullptr && existing->tombstone) {
    // This content was kept here once and an admin has deleted it since: the
    // change is settled (a re-sent change must not bring it back).
    return ChangeAck{change.id, change.path, change.hash,      false,
                     0,         path,        existing->version};
  }
  CatalogEntry copy = loser;
  copy.path = path;
  uint64_t version = 0;
  if (existing != nullptr && existing->hash == loser.hash) {
    version = existing->version;  // Already kept (a re-sent change): idempotent.
  } else {
    copy.version = existing == nullptr ? 1 : existing->version + 1;
    version = copy.version;
    Record(copy);
    Notable("conflict on " + loser.path + ": content from " + loser.origin + " kept as " +
            path);
  }
  if (loser.origin == node.name && loser.hash == change.hash) {
    // The losing node holds the content and copies it into place at once.
    Hold(node, *catalog_.Find(path));
  }
  return ChangeAck{change.id, change.path, change.hash, false, 0, path, version};
}

}  // namespace dds
