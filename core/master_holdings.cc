// Who holds what: the master's view of every node, kept as one bit per node
// on each catalog entry (the node holds that version) and, per node, a
// summary bucket by bucket (core/holdings.h) that it reconciles with the
// node's own summary: buckets that agree cost nothing, buckets held whole or
// not at all are set in one pass, and only the files of the other buckets
// travel (HoldingsWanted / HoldingsList), a window at a time.
#include <algorithm>

#include "core/master.h"
#include "core/path.h"
#include "core/random.h"
#include "core/wire.h"

namespace dds {
namespace {

// How many files one HoldingsWanted may ask for, by the master's estimate:
// the node answers in HoldingsList messages of kMaxBatchBytes, and the next
// window is asked for once the last of them arrives.
constexpr uint64_t kListWindowFiles = 65536;

bool Holds(const Catalog::Slot& slot, const Holding& h) {
  return !slot.tombstone && slot.version == h.version && slot.hash == h.hash;
}

}  // namespace

void Master::Hold(NodeRecord& node, const Catalog::Slot& slot) {
  if (slot.tombstone || !slot.holders.Insert(node.slot)) return;
  node.view.Add(BucketOf(slot.path), Catalog::Mix(slot.path, slot.version, slot.hash), 1);
  node.bytes_held += slot.size;
}

void Master::Unhold(NodeRecord& node, const Catalog::Slot& slot) {
  if (!slot.holders.Erase(node.slot)) return;
  node.view.Add(BucketOf(slot.path), Catalog::Mix(slot.path, slot.version, slot.hash),
                -1);
  node.bytes_held -= slot.size;
}

void Master::UnholdAll(const Catalog::Slot& slot) {
  std::vector<uint32_t> holders;
  slot.holders.ForEach([&](uint32_t s) { holders.push_back(s); });
  for (uint32_t s : holders) Unhold(*by_slot_[s], slot);
}

void Master::FillBucket(NodeRecord& node, uint64_t bucket) {
  for (const Catalog::Slot* slot : bucket_slots_[bucket]) Hold(node, *slot);
}

void Master::EmptyBucket(NodeRecord& node, uint64_t bucket) {
  for (const Catalog::Slot* slot : bucket_slots_[bucket]) Unhold(node, *slot);
}

void Master::Reconcile(NodeRecord& node, const std::vector<BucketSummary>& claims) {
  node.to_list.clear();
  node.list_in_flight = false;
  auto claim = claims.begin();
  for (uint64_t b = 0; b < kHoldingBuckets; ++b) {
    BucketSummary claimed{b, 0, 0};
    if (claim != claims.end() && claim->bucket == b) claimed = *claim++;
    if (claimed == node.view.Of(b)) continue;
    if (claimed.count == 0 && claimed.digest == 0) {
      EmptyBucket(node, b);
    } else if (claimed == full_.Of(b)) {
      FillBucket(node, b);
    } else {
      node.to_list.push_back(b);
    }
  }
  AskForLists(node);
}

void Master::AskForLists(NodeRecord& node) {
  if (node.list_in_flight || node.to_list.empty()) return;
  HoldingsWanted wanted;
  uint64_t files = 0;
  while (!node.to_list.empty() &&
         (wanted.buckets.empty() ||
          files + bucket_slots_[node.to_list.front()].size() <= kListWindowFiles)) {
    uint64_t b = node.to_list.front();
    node.to_list.pop_front();
    files += bucket_slots_[b].size();
    // The list replaces what we knew of the bucket: whatever the node holds
    // there is in it (or comes later, in a Haves behind it).
    EmptyBucket(node, b);
    wanted.buckets.push_back(b);
  }
  node.list_in_flight = true;
  node.list_progress = env_->Now();
  outbox_.Send(node.peer_address, std::move(wanted));
}

void Master::HandleHoldingsList(const HoldingsList& m) {
  NodeRecord* node = FindUp(m.node);
  if (node == nullptr) return;
  node->last_seen = env_->Now();
  node->list_progress = env_->Now();
  for (const Holding& h : m.items) AcceptHolding(*node, h);
  if (m.done) {
    node->list_in_flight = false;
    AskForLists(*node);
  }
}

void Master::HandleHoldingsSummary(const HoldingsSummary& m) {
  NodeRecord* node = FindUp(m.node);
  if (node == nullptr) return;
  node->check_in_flight = false;
  if (!WellFormedSummary(m.buckets)) {
    env_->Note("master: ignoring a malformed holdings summary from " + m.node);
    return;
  }
  Reconcile(*node, m.buckets);
}

void Master::AcceptHolding(NodeRecord& node, const Holding& h) {
  if (!ValidatePath(h.path).ok() || Ignored(h.path)) return;
  CatalogEntry shape{h.path, h.version, h.hash, h.size, false, node.name, 0, h.chunks};
  if (h.version == 0 || !shape.WellFormed()) return;
  const Catalog::Slot* current = catalog_.Find(h.path);
  if (current == nullptr || h.version > current->version) {
    // The node holds a version this catalog has never seen: the master's own
    // state is behind (lost, or restored from an old copy). Adopt it rather
    // than lose it.
    shape.seq = 0;
    Record(shape);
  }
  const Catalog::Slot* slot = catalog_.Find(h.path);
  if (Holds(*slot, h)) Hold(node, *slot);
}

void Master::HandleHaves(const Haves& m) {
  NodeRecord* node = FindUp(m.node);
  if (node == nullptr) return;
  for (const Holding& h : m.items) {
    const Catalog::Slot* slot = catalog_.Find(h.path);
    if (slot != nullptr && Holds(*slot, h)) Hold(*node, *slot);
  }
}

void Master::HandleDropped(const Dropped& m) {
  NodeRecord* node = FindUp(m.node);
  if (node == nullptr) return;
  for (const std::string& path : m.paths) {
    const Catalog::Slot* slot = catalog_.Find(path);
    if (slot != nullptr) Unhold(*node, *slot);
  }
}

void Master::HandleWhoHas(const Address& from, const WhoHas& m) {
  for (const VersionRef& ref : m.items) {
    HolderList reply{ref.path, ref.version, {}};
    const Catalog::Slot* slot = catalog_.Find(ref.path);
    if (slot != nullptr && slot->version == ref.version) {
      // A partial Fisher-Yates shuffle over the holders, stopping once
      // enough live ones are picked, spreads pulls over all holders.
      std::vector<uint32_t> pool;
      slot->holders.ForEach([&](uint32_t s) { pool.push_back(s); });
      for (size_t i = 0;
           i < pool.size() && reply.peers.size() < options_.holders_per_reply; ++i) {
        std::swap(pool[i], pool[i + UniformBelow(env_->Random(), pool.size() - i)]);
        const NodeRecord& n = *by_slot_[pool[i]];
        if (n.up && n.name != m.node) reply.peers.push_back({n.name, n.peer_address});
      }
    }
    outbox_.Add(from, Holders{}, std::move(reply));
  }
}

}  // namespace dds
