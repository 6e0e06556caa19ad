// The master state machine (see master.h for what it owns).
#include "core/master.h"

#include <algorithm>
#include <cassert>

#include "core/conflict.h"
#include "core/path.h"
#include "core/random.h"
#include "core/wire.h"

namespace dds {
namespace {

constexpr TimerId kFailureCheckTimer = 1;
constexpr std::string_view kCatalogKeyPrefix = "catalog/";
constexpr std::string_view kDecisionKeyPrefix = "decided/";
constexpr std::string_view kSupersededKeyPrefix = "superseded/";

std::string CatalogKey(const std::string& path) {
  return std::string(kCatalogKeyPrefix) + path;
}

// "decided/<node>/<path>": node names never contain '/'.
std::string DecisionKey(const std::string& node, const std::string& path) {
  return std::string(kDecisionKeyPrefix) + node + "/" + path;
}

// Decodes every record under `prefix` and hands it, with the rest of its
// key, to `take`; one that does not decode or that `take` refuses is noted
// and skipped.
template <typename T, typename Take>
void LoadRecords(Env* env, std::string_view prefix, Take take) {
  std::vector<std::pair<std::string, std::string>> records;
  Status s = env->Meta().Scan(prefix, &records);
  if (!s.ok())
    env->Note("master: cannot read " + std::string(prefix) + ": " + s.ToString());
  for (const auto& [key, value] : records) {
    Result<T> record = DecodeRecord<T>(value);
    if (!record.ok() || !take(std::string_view(key).substr(prefix.size()), *record))
      env->Note("master: skipping unreadable record " + key);
  }
}

Holding HoldingOf(const CatalogEntry& e) {
  return {e.path, e.version, e.hash, e.size, e.chunks};
}

bool IsCurrent(const CatalogEntry* current, const Holding& h) {
  return current != nullptr && !current->tombstone && current->version == h.version &&
         current->hash == h.hash;
}

}  // namespace

Master::Master(Env* env, MasterOptions options) : env_(env), options_(options) {
  assert(env_ != nullptr);
}

void Master::Start() {
  LoadCatalog();
  LoadDecisions();
  LoadSuperseded();
  env_->Note("master: started (incarnation " + std::to_string(options_.incarnation) +
             ", " + std::to_string(catalog_.size()) + " catalog entries)");
  env_->SetTimer(kFailureCheckTimer, options_.failure_check_interval);
}

void Master::LoadCatalog() {
  LoadRecords<CatalogEntry>(env_, kCatalogKeyPrefix,
                            [&](std::string_view, CatalogEntry& e) {
                              if (!ValidatePath(e.path).ok()) return false;
                              catalog_.Apply(e);
                              return true;
                            });
}

void Master::LoadDecisions() {
  LoadRecords<Decision>(
      env_, kDecisionKeyPrefix, [&](std::string_view name, Decision& d) {
        size_t slash = name.find('/');
        if (slash == std::string_view::npos) return false;
        decisions_[{std::string(name.substr(0, slash)),
                    std::string(name.substr(slash + 1))}] = std::move(d);
        return true;
      });
}

void Master::LoadSuperseded() {
  LoadRecords<Superseded>(env_, kSupersededKeyPrefix,
                          [&](std::string_view path, Superseded& s) {
                            superseded_[std::string(path)] = std::move(s);
                            return true;
                          });
}

void Master::RememberSuperseded(const CatalogEntry& old) {
  Superseded& s = superseded_[old.path];
  s.versions.push_back({old.version, old.hash});
  if (s.versions.size() > kSupersededKept) s.versions.erase(s.versions.begin());
  Status st =
      env_->Meta().Put(std::string(kSupersededKeyPrefix) + old.path, EncodeRecord(s));
  if (!st.ok()) env_->Note("master: cannot persist " + old.path + ": " + st.ToString());
}

std::optional<uint64_t> Master::SupersededWith(const std::string& path,
                                               const Digest& hash) const {
  auto it = superseded_.find(path);
  if (it == superseded_.end()) return std::nullopt;
  for (auto v = it->second.versions.rbegin(); v != it->second.versions.rend(); ++v) {
    if (v->hash == hash) return v->version;
  }
  return std::nullopt;
}

void Master::OnMessage(const Address& from, const Message& message) {
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Register>) {
          HandleRegister(from, m);
        } else if constexpr (std::is_same_v<T, Heartbeat>) {
          HandleHeartbeat(from, m);
        } else if constexpr (std::is_same_v<T, Changed>) {
          HandleChanged(from, m);
        } else if constexpr (std::is_same_v<T, Have>) {
          HandleHave(m);
        } else if constexpr (std::is_same_v<T, Dropped>) {
          HandleDropped(m);
        } else if constexpr (std::is_same_v<T, WhoHas>) {
          HandleWhoHas(from, m);
        } else if constexpr (std::is_same_v<T, CatalogRequest>) {
          HandleCatalogRequest(from);
        }
        // Anything else is not for a master: ignored.
      },
      message);
}

void Master::OnTimer(TimerId id) {
  if (id != kFailureCheckTimer) return;
  CheckFailures();
  env_->SetTimer(kFailureCheckTimer, options_.failure_check_interval);
}

void Master::OnPeerLost(const Address&) {
  // A broken connection alone proves nothing about a node: missed heartbeats
  // decide (CheckFailures), so a flapping link does not flap membership.
}

void Master::HandleRegister(const Address& from, const Register& m) {
  if (!ValidatePath(m.node).ok() || m.node.find('/') != std::string::npos) {
    env_->Note("master: rejecting registration with invalid node name");
    return;
  }
  NodeRecord& node = nodes_[m.node];
  bool membership_changed = node.name.empty() || node.peer_address != from;
  node.name = m.node;
  node.peer_address = from;
  node.http_address = m.http_address;
  node.up = true;
  node.last_seen = env_->Now();
  node.acks_sent = 0;
  // The inventory replaces whatever we believed this node held.
  ClearAllHoldings(node);
  for (const Holding& h : m.files) {
    CatalogEntry shape{h.path, h.version, h.hash, h.size, false, "", 0, h.chunks};
    if (ValidatePath(h.path).ok() && shape.WellFormed()) AcceptFromInventory(node, h);
  }
  env_->Note("master: node " + m.node + " registered with " +
             std::to_string(m.files.size()) + " files");
  env_->Send(from, Welcome{options_.incarnation});
  env_->Send(from, CatalogSnapshot{catalog_.Snapshot()});
  if (membership_changed) {
    Broadcast(AllMembers());
  } else {
    env_->Send(from, AllMembers());
  }
}

Members Master::AllMembers() const {
  Members m;
  m.peers.reserve(nodes_.size());
  for (const auto& [name, node] : nodes_) m.peers.push_back({name, node.peer_address});
  return m;
}

void Master::AcceptFromInventory(NodeRecord& node, const Holding& h) {
  const CatalogEntry* current = catalog_.Find(h.path);
  if (current == nullptr || h.version > current->version) {
    // The node holds a version this catalog has never seen: the master's own
    // state is behind (lost or restored from an old copy). Adopt it rather
    // than lose it.
    Record(
        CatalogEntry{h.path, h.version, h.hash, h.size, false, node.name, 0, h.chunks});
  }
  SetHolding(node, h);
}

void Master::HandleHeartbeat(const Address& from, const Heartbeat& m) {
  NodeRecord* node = FindUp(m.node);
  if (node == nullptr) {
    env_->Send(from, RegisterPlease{});
    return;
  }
  node->last_seen = env_->Now();
  node->disk_full = m.disk_full;
  if (m.acks_seen == node->acks_sent && m.holdings_digest != node->holdings_digest) {
    // Anti-entropy: our view of this node drifted (a lost message). A fresh
    // registration carries its whole inventory.
    env_->Send(from, RegisterPlease{});
    return;
  }
  env_->Send(from, HeartbeatAck{catalog_.Digest()});
}

void Master::HandleChanged(const Address& from, const Changed& m) {
  NodeRecord* node = FindUp(m.node);
  if (node == nullptr) {
    env_->Send(from, RegisterPlease{});
    return;
  }
  if (!ValidatePath(m.path).ok()) return;
  CatalogEntry shape{m.path, 1, m.hash, m.size, false, m.node, m.mtime, m.chunks};
  if (!shape.WellFormed()) return;
  node->last_seen = env_->Now();
  ChangeAck ack = DecideChange(m);
  ack.seq = ++node->acks_sent;
  env_->Send(from, ack);
}

ChangeAck Master::DecideChange(const Changed& m) {
  auto key = std::make_pair(m.node, m.path);
  auto earlier = decisions_.find(key);
  if (earlier != decisions_.end() && earlier->second.base_version == m.base_version &&
      earlier->second.ack.hash == m.hash) {
    return earlier->second.ack;  // Sent again: same answer.
  }
  Decision decision{m.base_version, DecideNew(m)};
  Status s = env_->Meta().Put(DecisionKey(m.node, m.path), EncodeRecord(decision));
  if (!s.ok()) env_->Note("master: cannot persist a decision: " + s.ToString());
  decisions_[std::move(key)] = decision;
  return decision.ack;
}

ChangeAck Master::DecideNew(const Changed& m) {
  NodeRecord& node = nodes_.at(m.node);
  const CatalogEntry* current = catalog_.Find(m.path);
  CatalogEntry candidate{m.path, 0, m.hash, m.size, false, m.node, m.mtime, m.chunks};
  if (current != nullptr && !current->tombstone && current->hash == m.hash) {
    // Same content as recorded: nothing new, the node simply holds it.
    SetHolding(node, HoldingOf(*current));
    return ChangeAck{m.path, m.hash, true, current->version, "", 0};
  }
  uint64_t current_version = current == nullptr ? 0 : current->version;
  bool sequential = m.base_version >= current_version || SupersedesOwnChange(m, *current);
  if (!sequential) {
    std::optional<uint64_t> late = SupersededWith(m.path, m.hash);
    if (late && *late > m.base_version) {
      // A late copy of version `late`, not an edit: the node holds that
      // version and will pull the current one (or apply its tombstone).
      return ChangeAck{m.path, m.hash, true, *late, "", 0};
    }
    // Concurrent with what is recorded: the conflict rule decides.
    candidate.version = current_version + 1;
    if (!WinsConflict(candidate, *current)) return KeepAsConflictCopy(candidate, m);
    KeepAsConflictCopy(*current, m);
  }
  candidate.version = std::max(current_version, m.base_version) + 1;
  candidate.base_version = m.base_version;
  Record(candidate);
  SetHolding(node, HoldingOf(candidate));
  return ChangeAck{m.path, m.hash, true, candidate.version, "", 0};
}

bool Master::SupersedesOwnChange(const Changed& m, const CatalogEntry& current) const {
  // A node that edits a file again before hearing the fate of its previous
  // change sends the same base twice (a file reported while still being
  // written, then complete). If the current version is that previous change,
  // the new one follows it rather than competing with it.
  return !current.tombstone && current.origin == m.node &&
         current.base_version == m.base_version;
}

ChangeAck Master::KeepAsConflictCopy(const CatalogEntry& loser, const Changed& m) {
  std::string path = ConflictPath(loser);
  if (!ValidatePath(path).ok())
    path = "conflicts/" + loser.origin + "-" + loser.hash.Hex();
  const CatalogEntry* existing = catalog_.Find(path);
  if (existing != nullptr && existing->tombstone) {
    // This content was kept here once and an admin has deleted it since: the
    // change is settled (a re-sent change must not bring it back).
    return ChangeAck{m.path, m.hash, false, 0, path, existing->version};
  }
  CatalogEntry copy = loser;
  copy.path = path;
  if (existing != nullptr && !existing->tombstone && existing->hash == loser.hash) {
    copy = *existing;  // Already kept (a re-sent change): idempotent.
  } else {
    copy.version = existing == nullptr ? 1 : existing->version + 1;
    Record(copy);
    env_->Note("master: conflict on " + loser.path + ": content from " + loser.origin +
               " kept as " + path);
  }
  if (loser.origin == m.node && loser.hash == m.hash) {
    // The losing node holds the content and copies it into place at once.
    SetHolding(nodes_.at(m.node), HoldingOf(copy));
  }
  return ChangeAck{m.path, m.hash, false, 0, copy.path, copy.version};
}

void Master::HandleHave(const Have& m) {
  NodeRecord* node = FindUp(m.node);
  if (node == nullptr || !ValidatePath(m.file.path).ok()) return;
  SetHolding(*node, m.file);
}

void Master::HandleDropped(const Dropped& m) {
  NodeRecord* node = FindUp(m.node);
  if (node == nullptr) return;
  ClearHolding(*node, m.path);
}

void Master::HandleWhoHas(const Address& from, const WhoHas& m) {
  Holders reply{m.path, m.version, {}};
  const CatalogEntry* current = catalog_.Find(m.path);
  auto it = holders_.find(m.path);
  if (current != nullptr && current->version == m.version && it != holders_.end()) {
    // A partial Fisher-Yates shuffle over the holders, stopping once enough
    // live ones are picked, spreads pulls over all holders.
    std::vector<const NodeRecord*> pool = it->second;
    reply.peers.reserve(std::min(pool.size(), options_.holders_per_reply));
    for (size_t i = 0; i < pool.size() && reply.peers.size() < options_.holders_per_reply;
         ++i) {
      std::swap(pool[i], pool[i + UniformBelow(env_->Random(), pool.size() - i)]);
      const NodeRecord& n = *pool[i];
      if (n.up && n.name != m.node) reply.peers.push_back({n.name, n.peer_address});
    }
  }
  env_->Send(from, std::move(reply));
}

void Master::HandleCatalogRequest(const Address& from) {
  env_->Send(from, CatalogSnapshot{catalog_.Snapshot()});
}

Result<CatalogEntry> Master::Remove(const std::string& path) {
  Status valid = ValidatePath(path);
  if (!valid.ok()) return valid;
  const CatalogEntry* current = catalog_.Find(path);
  if (current == nullptr || current->tombstone) return Status::NotFound(path);
  CatalogEntry tombstone{path, current->version + 1, Digest{}, 0, true, "admin", 0, {}};
  Record(tombstone);
  env_->Note("master: removed " + path + " (tombstone v" +
             std::to_string(tombstone.version) + ")");
  return tombstone;
}

void Master::Record(const CatalogEntry& entry) {
  Status s = env_->Meta().Put(CatalogKey(entry.path), EncodeRecord(entry));
  if (!s.ok()) env_->Note("master: cannot persist " + entry.path + ": " + s.ToString());
  const CatalogEntry* old = catalog_.Find(entry.path);
  if (old != nullptr && !old->tombstone) RememberSuperseded(*old);
  bool changed = catalog_.Apply(entry);
  assert(changed);
  (void)changed;
  HolderList& holders = holders_[entry.path];
  holders.clear();
  for (const auto& [name, node] : nodes_) {  // In name order, as HolderList wants.
    auto h = node.holdings.find(entry.path);
    if (h != node.holdings.end() && IsCurrent(&entry, h->second))
      holders.push_back(&node);
  }
  if (observer_ != nullptr) observer_->OnRecorded(entry);
  Broadcast(EntryUpdate{entry});
}

void Master::Broadcast(const Message& message) {
  for (const auto& [name, node] : nodes_) {
    if (node.up) env_->Send(node.peer_address, message);
  }
}

void Master::SetHolding(NodeRecord& node, const Holding& h) {
  auto [it, added] = node.holdings.try_emplace(h.path, h);
  if (!added) {
    Unhold(node, it->second);
    it->second = h;
  }
  node.holdings_digest ^= Catalog::Mix(h.path, h.version, h.hash);
  if (IsCurrent(catalog_.Find(h.path), h)) AddHolder(h.path, node);
}

void Master::ClearHolding(NodeRecord& node, const std::string& path) {
  auto it = node.holdings.find(path);
  if (it == node.holdings.end()) return;
  Unhold(node, it->second);
  node.holdings.erase(it);
}

void Master::Unhold(NodeRecord& node, const Holding& old) {
  node.holdings_digest ^= Catalog::Mix(old.path, old.version, old.hash);
  RemoveHolder(old.path, node);
}

void Master::AddHolder(const std::string& path, const NodeRecord& node) {
  HolderList& holders = holders_[path];
  auto at = std::lower_bound(holders.begin(), holders.end(), &node, NameOrder);
  if (at == holders.end() || *at != &node) holders.insert(at, &node);
}

void Master::RemoveHolder(const std::string& path, const NodeRecord& node) {
  auto it = holders_.find(path);
  if (it == holders_.end()) return;
  HolderList& holders = it->second;
  auto at = std::lower_bound(holders.begin(), holders.end(), &node, NameOrder);
  if (at != holders.end() && *at == &node) holders.erase(at);
}

void Master::ClearAllHoldings(NodeRecord& node) {
  for (const auto& [path, h] : node.holdings) {
    RemoveHolder(path, node);
  }
  node.holdings.clear();
  node.holdings_digest = 0;
}

void Master::CheckFailures() {
  Instant now = env_->Now();
  for (auto& [name, node] : nodes_) {
    if (node.up && now - node.last_seen > options_.node_timeout) {
      node.up = false;
      env_->Note("master: node " + name + " is down (no heartbeat for " +
                 std::to_string(ToMillis(now - node.last_seen)) + " ms)");
    }
  }
}

Master::NodeRecord* Master::FindUp(const std::string& name) {
  auto it = nodes_.find(name);
  return it == nodes_.end() || !it->second.up ? nullptr : &it->second;
}

NodeStatus Master::StatusOf(const NodeRecord& node) const {
  NodeStatus s{node.name,
               node.peer_address,
               node.http_address,
               node.up,
               node.disk_full,
               node.last_seen,
               0,
               0,
               0};
  for (const auto& [path, entry] : catalog_.entries()) {
    if (entry.tombstone) continue;
    auto h = node.holdings.find(path);
    if (h != node.holdings.end() && IsCurrent(&entry, h->second)) {
      s.files_current += 1;
    } else {
      s.files_behind += 1;
      s.bytes_behind += entry.size;
    }
  }
  return s;
}

std::vector<NodeStatus> Master::Nodes() const {
  std::vector<NodeStatus> out;
  for (const auto& [name, node] : nodes_) out.push_back(StatusOf(node));
  return out;
}

std::vector<NodeStatus> Master::LiveHolders(const std::string& path) const {
  std::vector<NodeStatus> out;
  auto it = holders_.find(path);
  if (it == holders_.end()) return out;
  for (const NodeRecord* holder : it->second) {
    const NodeRecord& node = *holder;
    if (node.up) {
      out.push_back(NodeStatus{node.name, node.peer_address, node.http_address, true,
                               node.disk_full, node.last_seen, 0, 0, 0});
    }
  }
  return out;
}

bool Master::Converged() const {
  for (const auto& [name, node] : nodes_) {
    if (!node.up) continue;
    if (node.holdings.size() != catalog_.live_files()) return false;
    for (const auto& [path, h] : node.holdings) {
      if (!IsCurrent(catalog_.Find(path), h)) return false;
    }
  }
  return true;
}

}  // namespace dds
