// The master state machine: start-up, membership and failure detection.
// The log lives in master_log.cc, changes and the conflict rule in
// master_changes.cc, who holds what in master_holdings.cc.
#include "core/master.h"

#include <algorithm>

#include "core/check.h"
#include "core/master_keys.h"
#include "core/meta_records.h"
#include "core/path.h"

namespace dds {
namespace {

constexpr TimerId kFailureCheckTimer = 1;
constexpr TimerId kOutboxTimer = 2;

}  // namespace

Master::Master(Env* env, MasterOptions options)
    : env_(env), options_(options), outbox_(env, kOutboxTimer), history_(env) {
  DDS_CHECK(env_ != nullptr);
  bucket_slots_.resize(kHoldingBuckets);
}

void Master::Start() {
  LoadEpoch();
  LoadIgnoreRules();
  LoadCatalog();
  LoadDecisions();
  Notable("started (incarnation " + std::to_string(options_.incarnation) + ", " +
          std::to_string(catalog_.size()) + " catalog entries, log at " +
          std::to_string(head_) + ")");
  env_->SetTimer(kFailureCheckTimer, options_.failure_check_interval);
}

void Master::LoadEpoch() {
  std::string value;
  Status s = env_->Meta().Get(kEpochKey, &value);
  if (s.ok()) {
    Result<Cursor> stored = DecodeRecord<Cursor>(value);
    if (stored.ok() && stored->epoch != 0) {
      epoch_ = stored->epoch;
      return;
    }
  }
  // A new durable state: a new epoch, so that no node's cursor from another
  // master's state is taken for a place in this log.
  do {
    epoch_ = env_->Random();
  } while (epoch_ == 0);
  s = env_->Meta().Put(kEpochKey, EncodeRecord(Cursor{epoch_, 0}));
  if (!s.ok()) env_->Note("master: cannot persist its epoch: " + s.ToString());
}

void Master::LoadCatalog() {
  LoadRecords<CatalogEntry>(
      env_, kCatalogKeyPrefix, [&](std::string_view, CatalogEntry& e) {
        if (!ValidatePath(e.path).ok() || !e.WellFormed() || e.seq == 0) return false;
        const Catalog::Slot* slot = catalog_.Apply(e);
        if (slot == nullptr) return false;
        head_ = std::max(head_, e.seq);
        log_.emplace_back(e.seq, slot);
        bucket_slots_[BucketOf(e.path)].push_back(slot);
        if (!e.tombstone)
          full_.Add(BucketOf(e.path), Catalog::Mix(e.path, e.version, e.hash), 1);
        return true;
      });
  std::sort(log_.begin(), log_.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
}

void Master::LoadDecisions() {
  LoadRecords<Decision>(env_, kDecisionKeyPrefix, [&](std::string_view key, Decision& d) {
    std::optional<std::pair<std::string, uint64_t>> parsed = ParseDecisionKey(key);
    if (!parsed) return false;
    // A decision outlives its node's registration: it is kept until the
    // node says the change is settled.
    NodeRecord& node = nodes_[parsed->first];
    if (node.name.empty()) {
      node.name = parsed->first;
      node.slot = static_cast<uint32_t>(by_slot_.size());
      by_slot_.push_back(&node);
    }
    node.decisions[parsed->second] = std::move(d);
    return true;
  });
}

void Master::OnMessage(const Address& from, const Message& message) {
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Register>) {
          HandleRegister(from, m);
        } else if constexpr (std::is_same_v<T, Heartbeat>) {
          HandleHeartbeat(from, m);
        } else if constexpr (std::is_same_v<T, Changes>) {
          HandleChanges(from, m);
        } else if constexpr (std::is_same_v<T, Haves>) {
          HandleHaves(m);
        } else if constexpr (std::is_same_v<T, Dropped>) {
          HandleDropped(m);
        } else if constexpr (std::is_same_v<T, WhoHas>) {
          HandleWhoHas(from, m);
        } else if constexpr (std::is_same_v<T, CatalogRequest>) {
          HandleCatalogRequest(from, m);
        } else if constexpr (std::is_same_v<T, HoldingsList>) {
          HandleHoldingsList(m);
        } else if constexpr (std::is_same_v<T, HoldingsSummary>) {
          HandleHoldingsSummary(m);
        }
        // Anything else is not for a master: ignored.
      },
      message);
}

void Master::OnTimer(TimerId id) {
  if (outbox_.OnTimer(id)) return;
  if (id != kFailureCheckTimer) return;
  CheckFailures();
  env_->SetTimer(kFailureCheckTimer, options_.failure_check_interval);
}

void Master::OnPeerLost(const Address&) {
  // A broken connection alone proves nothing about a node: missed heartbeats
  // decide (CheckFailures), so a flapping link does not flap membership.
}

void Master::HandleRegister(const Address& from, const Register& m) {
  if (!ValidNodeName(m.node)) {
    env_->Note("master: rejecting registration with invalid node name");
    return;
  }
  if (!WellFormedSummary(m.buckets)) {
    env_->Note("master: rejecting registration of " + m.node + ": malformed summary");
    return;
  }
  NodeRecord& node = nodes_[m.node];
  if (node.name.empty()) {
    node.name = m.node;
    node.slot = static_cast<uint32_t>(by_slot_.size());
    by_slot_.push_back(&node);
  }
  bool membership_changed = node.peer_address != from;
  node.peer_address = from;
  node.http_url = m.http_url;
  node.up = true;
  node.last_seen = env_->Now();
  node.cursor = m.cursor;
  node.check_in_flight = false;
  node.lost_found.reset();
  node.corrupt_found.reset();
  // The patterns first: the node applies them before anything the log says.
  outbox_.Send(from, ignore_);
  outbox_.Send(from, Welcome{options_.incarnation, head(), options_.term});
  // Summaries are of (path, version, hash) facts, whichever catalog the
  // node follows: they compare with ours as they are.
  Reconcile(node, m.buckets);
  Notable("node " + m.node + " registered (" + std::to_string(node.view.count()) +
          " files agreed, " + std::to_string(node.to_list.size()) + " buckets to list)");
  if (membership_changed) {
    for (const auto& [name, other] : nodes_) {
      if (other.up) outbox_.Send(other.peer_address, AllMembers());
    }
  } else {
    outbox_.Send(from, AllMembers());
  }
}

Members Master::AllMembers() const {
  Members m;
  m.peers.reserve(nodes_.size());
  for (const auto& [name, node] : nodes_) {
    if (!node.peer_address.empty()) m.peers.push_back({name, node.peer_address});
  }
  return m;
}

void Master::HandleHeartbeat(const Address& from, const Heartbeat& m) {
  NodeRecord* node = FindUp(m.node);
  if (node == nullptr) {
    outbox_.Send(from, RegisterPlease{});
    return;
  }
  node->last_seen = env_->Now();
  node->disk_full = m.disk_full;
  node->watch_incomplete = m.watch_incomplete;
  node->transfers = m.transfers;
  node->refused_names = m.refused_names;
  node->cursor = m.cursor;
  if (m.ignore_version != ignore_.version) outbox_.Send(from, ignore_);
  NoteDamage(*node, m);
  SettleDecisions(*node, m.settled_below);
  ForgetLostAnswers(*node);
  // Anti-entropy: compared only when the node has applied the whole log and
  // has no change undecided; otherwise the two views differ for a moment.
  bool comparable = m.cursor == head() && m.undecided == 0 && node->to_list.empty() &&
                    !node->list_in_flight && !node->check_in_flight;
  if (comparable &&
      (m.held_count != node->view.count() || m.held_digest != node->view.digest())) {
    node->check_in_flight = true;
    node->check_sent = env_->Now();
    outbox_.Send(from, HoldingsCheck{});
  }
  outbox_.Send(from, HeartbeatAck{head()});
}

void Master::NoteDamage(NodeRecord& node, const Heartbeat& m) {
  // Counts since the node started: a first heartbeat sets the baseline.
  auto rise = [](std::optional<uint64_t>& seen, uint64_t now) -> uint64_t {
    const uint64_t found = seen && now >= *seen ? now - *seen : 0;
    seen = now;
    return found;
  };
  if (uint64_t lost = rise(node.lost_found, m.lost_found)) {
    Notable("node " + node.name + " found " + std::to_string(lost) +
            " file(s) gone from its disk; restoring from peers");
  }
  if (uint64_t corrupt = rise(node.corrupt_found, m.corrupt_found)) {
    Notable("node " + node.name + " found " + std::to_string(corrupt) +
            " corrupt file(s); repairing from peers");
  }
}

void Master::Notable(std::string text) {
  env_->Note("master: " + text);
  events_.Add(env_->Now(), std::move(text));
}

void Master::ForgetLostAnswers(NodeRecord& node) {
  const Instant now = env_->Now();
  if (node.check_in_flight && now - node.check_sent > options_.node_timeout) {
    node.check_in_flight = false;  // the next heartbeat compares again
  }
  if (node.list_in_flight && now - node.list_progress > options_.node_timeout) {
    // Buckets whose lists were cut short differ from the node's summary
    // and are listed again after the next check.
    node.list_in_flight = false;
    AskForLists(node);
  }
}

void Master::CheckFailures() {
  Instant now = env_->Now();
  for (auto& [name, node] : nodes_) {
    if (node.up && now - node.last_seen > options_.node_timeout) {
      node.up = false;
      node.to_list.clear();
      node.list_in_flight = false;
      node.check_in_flight = false;
      Notable("node " + name + " is down (no heartbeat for " +
              std::to_string(ToMillis(now - node.last_seen)) + " ms)");
      if (observer_ != nullptr) observer_->OnMarkedDown(name);
    }
  }
}

Master::NodeRecord* Master::FindUp(const std::string& name) {
  auto it = nodes_.find(name);
  return it == nodes_.end() || !it->second.up ? nullptr : &it->second;
}

NodeStatus Master::StatusOf(const NodeRecord& node) const {
  NodeStatus s;
  s.name = node.name;
  s.peer_address = node.peer_address;
  s.http_url = node.http_url;
  s.up = node.up;
  s.disk_full = node.disk_full;
  s.last_seen = node.last_seen;
  s.files_current = node.view.count();
  s.files_behind =
      catalog_.live_files() - std::min<size_t>(s.files_current, catalog_.live_files());
  s.bytes_behind =
      catalog_.live_bytes() - std::min(node.bytes_held, catalog_.live_bytes());
  s.synced = node.cursor == head();
  s.watch_incomplete = node.watch_incomplete;
  s.transfers = node.up ? node.transfers : 0;
  s.refused_names = node.refused_names;
  return s;
}

std::vector<NodeStatus> Master::Nodes() const {
  std::vector<NodeStatus> out;
  for (const auto& [name, node] : nodes_) {
    if (!node.peer_address.empty()) out.push_back(StatusOf(node));
  }
  return out;
}

std::vector<NodeStatus> Master::LiveHolders(const std::string& path) const {
  std::vector<NodeStatus> out;
  const Catalog::Slot* slot = catalog_.Find(path);
  if (slot == nullptr || slot->tombstone) return out;
  slot->holders.ForEach([&](uint32_t s) {
    const NodeRecord& node = *by_slot_[s];
    if (node.up) {
      NodeStatus status;
      status.name = node.name;
      status.peer_address = node.peer_address;
      status.http_url = node.http_url;
      status.up = true;
      status.disk_full = node.disk_full;
      status.last_seen = node.last_seen;
      out.push_back(std::move(status));
    }
  });
  std::sort(out.begin(), out.end(),
            [](const NodeStatus& a, const NodeStatus& b) { return a.name < b.name; });
  return out;
}

size_t Master::decisions_pending() const {
  size_t n = 0;
  for (const auto& [name, node] : nodes_) n += node.decisions.size();
  return n;
}

bool Master::Converged() const {
  for (const auto& [name, node] : nodes_) {
    if (!node.up) continue;
    if (node.view.count() != catalog_.live_files() || !(node.cursor == head()))
      return false;
  }
  return true;
}

}  // namespace dds
