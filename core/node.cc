// The node state machine: startup, the master link, and serving peers.
// Reconciliation and pulls live in node_sync.cc; disk examination and the
// scrub in node_disk.cc.
#include "core/node.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "core/path.h"
#include "core/wire.h"

namespace dds {

Node::Node(Env* env, NodeOptions options) : env_(env), options_(std::move(options)) {
  assert(env_ != nullptr);
  assert(options_.max_concurrent_pulls > 0 && options_.chunks_in_flight > 0);
}

void Node::Start() {
  LoadIndex();
  LoadCatalogAndPeers();
  DiscardStrayStages();
  ScanDisk();
  // Reconcile toward the last catalog heard at once: if the master is down,
  // files lost from this disk still come back from peers.
  for (const auto& [path, entry] : catalog_.entries()) Reconcile(path);
  last_master_contact_ = env_->Now();
  SendRegister();
  env_->SetTimer(kHeartbeatTimer, options_.heartbeat_interval);
  env_->SetTimer(kScanTimer, options_.scan_interval);
  env_->SetTimer(kScrubTimer, options_.scrub_interval);
}

void Node::OnMessage(const Address& from, const Message& message) {
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Welcome>) {
          HandleWelcome();
        } else if constexpr (std::is_same_v<T, CatalogSnapshot>) {
          HandleSnapshot(m);
        } else if constexpr (std::is_same_v<T, EntryUpdate>) {
          HandleEntry(m.entry);
        } else if constexpr (std::is_same_v<T, ChangeAck>) {
          HandleChangeAck(m);
        } else if constexpr (std::is_same_v<T, HeartbeatAck>) {
          HandleHeartbeatAck(m);
        } else if constexpr (std::is_same_v<T, RegisterPlease>) {
          registered_ = false;
          SendRegister();
        } else if constexpr (std::is_same_v<T, Holders>) {
          HandleHolders(m);
        } else if constexpr (std::is_same_v<T, Fetch>) {
          HandleFetch(from, m);
        } else if constexpr (std::is_same_v<T, Chunk>) {
          HandleChunk(m);
        } else if constexpr (std::is_same_v<T, FetchFailed>) {
          HandleFetchFailed(m);
        } else if constexpr (std::is_same_v<T, Members>) {
          HandleMembers(m);
        }
        // Anything else is not for a node: ignored.
      },
      message);
}

void Node::OnTimer(TimerId id) {
  switch (id) {
    case kHeartbeatTimer:
      OnHeartbeatTick();
      env_->SetTimer(kHeartbeatTimer, options_.heartbeat_interval);
      break;
    case kScanTimer:
      ScanDisk();
      PumpPulls();
      env_->SetTimer(kScanTimer, options_.scan_interval);
      break;
    case kScrubTimer:
      ScrubSome();
      env_->SetTimer(kScrubTimer, options_.scrub_interval);
      break;
    default:
      break;
  }
}

void Node::OnPeerLost(const Address& peer) {
  if (peer == options_.master) {
    MasterLost();
    return;
  }
  // Chunks asked of that peer will not come: give them to the other holders.
  std::vector<std::pair<std::string, std::string>> affected;  // (path, source)
  for (const auto& [path, pull] : pulls_) {
    for (const Peer& p : pull.sources) {
      if (p.address == peer) affected.emplace_back(path, p.name);
    }
  }
  for (const auto& [path, source] : affected) {
    auto it = pulls_.find(path);
    if (it != pulls_.end()) DropSource(it->second, source, "connection lost");
  }
}

void Node::OnHeartbeatTick() {
  Instant now = env_->Now();
  if (registered_ && now - last_master_contact_ > options_.master_timeout) MasterLost();
  if (registered_) {
    env_->Send(options_.master,
               Heartbeat{options_.name, holdings_digest_, acks_seen_, disk_full_});
    ResendChanges();
  } else {
    SendRegister();
  }
  if (disk_full_ && now - disk_full_since_ >= options_.disk_full_retry) {
    disk_full_ = false;  // Space may have been freed: pulls will tell.
    env_->Note(options_.name + ": retrying after a full disk");
  }
  CheckPullTimeouts();
  RetryDuePulls();
  CheckStranded();
  PumpPulls();
}

std::optional<Holding> Node::Servable(const std::string& path) const {
  auto it = local_.find(path);
  if (it == local_.end() || !it->second.acked) return std::nullopt;
  const LocalFile& f = it->second;
  return Holding{path, f.version, f.hash, f.size, f.chunks};
}

// ---- master link ----

void Node::SendRegister() {
  env_->Send(options_.master,
             Register{options_.name, options_.http_address, Inventory()});
}

void Node::DiskFull() {
  if (!disk_full_) env_->Note(options_.name + ": disk full; pulls paused, still serving");
  disk_full_ = true;
  disk_full_since_ = env_->Now();
}

void Node::MasterLost() {
  if (!registered_) return;
  registered_ = false;
  env_->Note(options_.name + ": lost the master; will re-register");
}

void Node::HandleWelcome() {
  registered_ = true;
  acks_seen_ = 0;
  last_master_contact_ = env_->Now();
  for (auto& [path, pending] : pending_changes_) {
    pending.sent = env_->Now();
    env_->Send(options_.master, pending.change);
  }
}

void Node::HandleSnapshot(const CatalogSnapshot& m) {
  last_master_contact_ = env_->Now();
  std::vector<CatalogEntry> valid;
  valid.reserve(m.entries.size());
  for (const CatalogEntry& e : m.entries) {
    if (ValidatePath(e.path).ok() && e.WellFormed()) valid.push_back(e);
  }
  ReplaceCatalog(valid);
  for (const auto& [path, entry] : catalog_.entries()) Reconcile(path);
}

void Node::HandleMembers(const Members& m) {
  std::map<std::string, Address> fresh;
  for (const Peer& p : m.peers) {
    // The master lists members in name order: the hint makes each insert O(1).
    if (p.name != options_.name && !p.name.empty()) {
      fresh.insert_or_assign(fresh.end(), p.name, p.address);
    }
  }
  // Both maps are in name order: one walk over the two finds who left, who
  // joined and who moved (every member's registration sends the whole list
  // to every node, so this runs members^2 times as a cluster starts).
  auto old = peers_.begin();
  auto now = fresh.begin();
  while (old != peers_.end() || now != fresh.end()) {
    if (now == fresh.end() || (old != peers_.end() && old->first < now->first)) {
      env_->Meta().Delete(std::string(kPeerKeyPrefix) + old->first);
      ++old;
      continue;
    }
    bool known = old != peers_.end() && old->first == now->first;
    if (!known || old->second != now->second) {
      env_->Meta().Put(std::string(kPeerKeyPrefix) + now->first, now->second);
    }
    if (known) ++old;
    ++now;
  }
  peers_ = std::move(fresh);
}

void Node::HandleEntry(const CatalogEntry& entry) {
  last_master_contact_ = env_->Now();
  if (!ValidatePath(entry.path).ok() || !entry.WellFormed()) return;
  if (!catalog_.Apply(entry)) return;
  SaveEntry(entry);
  Reconcile(entry.path, /*pushed=*/true);
}

void Node::HandleHeartbeatAck(const HeartbeatAck& m) {
  last_master_contact_ = env_->Now();
  // Anti-entropy: a catalog push was lost somewhere; fetch the whole thing.
  if (m.catalog_digest != catalog_.Digest()) {
    env_->Send(options_.master, CatalogRequest{options_.name});
  }
}

void Node::ReportChange(const std::string& path, const LocalFile& local) {
  Changed change{options_.name, path,        local.version, local.hash,
                 local.size,    local.mtime, local.chunks};
  pending_changes_[path] = PendingChange{change, env_->Now()};
  Trace("reported", path,
        "v" + std::to_string(local.version) + "+ " + local.hash.ShortHex());
  if (registered_) env_->Send(options_.master, change);
}

void Node::ResendChanges() {
  Instant now = env_->Now();
  for (auto& [path, pending] : pending_changes_) {
    if (now - pending.sent >= options_.change_resend) {
      pending.sent = now;
      env_->Send(options_.master, pending.change);
    }
  }
}

void Node::HandleChangeAck(const ChangeAck& m) {
  last_master_contact_ = env_->Now();
  acks_seen_ = std::max(acks_seen_, m.seq);
  auto it = local_.find(m.path);
  bool ours = it != local_.end() && !it->second.acked && it->second.hash == m.hash;
  auto pending = pending_changes_.find(m.path);
  // An ack for an older change must not drop the newer one still pending.
  if (pending != pending_changes_.end() && pending->second.change.hash == m.hash &&
      (!ours || m.accepted)) {
    pending_changes_.erase(pending);
  }
  if (!ours) return;
  if (m.accepted) {
    LocalFile f = it->second;
    f.version = m.version;
    f.acked = true;
    SaveLocal(m.path, f);
    // The master counted us as holder when it decided, but a registration
    // crossing this ack may have replaced that: confirm it.
    env_->Send(options_.master,
               Have{options_.name, Holding{m.path, f.version, f.hash, f.size, f.chunks}});
    Reconcile(m.path);
    return;
  }
  // Our change lost the conflict rule. Once its content is safe at the
  // conflict path, it leaves this path to the winner (or to the tombstone: a
  // loser left here would look like a new file after the delete).
  if (!KeepLocalAsConflictCopy(m)) return;  // Still pending: the re-sent change retries.
  pending_changes_.erase(m.path);
  Status s = env_->Files().Remove(m.path);
  if (!s.ok() && !s.IsNotFound()) env_->Note(options_.name + ": " + s.ToString());
  ForgetLocal(m.path);
  env_->Send(options_.master, Dropped{options_.name, m.path});
  Reconcile(m.path);
}

bool Node::KeepLocalAsConflictCopy(const ChangeAck& m) {
  const CatalogEntry* kept = catalog_.Find(m.conflict_path);
  if (kept != nullptr && kept->tombstone && kept->version >= m.conflict_version) {
    return true;  // Kept once, deleted by an admin since: nothing left to keep.
  }
  const LocalFile& f = local_.at(m.path);
  CatalogEntry copy{m.conflict_path, m.conflict_version, f.hash,  f.size,
                    false,           options_.name,      f.mtime, f.chunks};
  auto existing = local_.find(m.conflict_path);
  if (existing != local_.end() && existing->second.acked &&
      existing->second.hash == f.hash) {
    return true;
  }
  std::string stage = StageName(copy);
  Status s = env_->Files().CopyToStage(m.path, stage);
  if (s.ok()) TrackStage(m.conflict_path, stage);
  if (s.ok() && Publish(stage, copy, /*chunks_verified=*/false)) {
    Trace("kept conflict copy", m.conflict_path);
    return true;
  }
  env_->Note(options_.name + ": cannot keep conflict copy " + m.conflict_path + ": " +
             s.ToString());
  return false;
}

// ---- serving peers ----

void Node::HandleFetch(const Address& from, const Fetch& m) {
  auto it = local_.find(m.path);
  if (it == local_.end() || !it->second.acked || it->second.hash != m.hash ||
      m.offset > it->second.size) {
    env_->Send(from, FetchFailed{m.request_id, "not held"});
    return;
  }
  uint64_t want = std::min<uint64_t>({m.length, kChunkBytes, it->second.size - m.offset});
  Result<std::string> data = env_->Files().Read(m.path, m.offset, want);
  if (!data.ok() || data->size() != want) {
    // The disk no longer matches what we recorded: find out what happened.
    env_->Send(from, FetchFailed{m.request_id, "read failed"});
    RecheckFile(m.path);
    return;
  }
  env_->Send(from, Chunk{m.request_id, m.offset, std::move(data).value()});
}

// ---- local index ----

void Node::LoadIndex() {
  std::vector<std::pair<std::string, std::string>> records;
  Status s = env_->Meta().Scan(kLocalKeyPrefix, &records);
  if (!s.ok()) env_->Note(options_.name + ": cannot read local index: " + s.ToString());
  for (const auto& [key, value] : records) {
    std::string path = key.substr(kLocalKeyPrefix.size());
    Result<LocalFile> f = DecodeRecord<LocalFile>(value);
    if (!f.ok() || !ValidatePath(path).ok()) continue;
    SetLocal(path, *f);
    if (!f->acked) {
      // A change the master had not decided when we stopped: report it again.
      pending_changes_[path] = PendingChange{
          Changed{options_.name, path, f->version, f->hash, f->size, f->mtime, f->chunks},
          Instant{}};
    }
  }
}

void Node::LoadCatalogAndPeers() {
  std::vector<std::pair<std::string, std::string>> records;
  Status s = env_->Meta().Scan(kCatalogKeyPrefix, &records);
  for (const auto& [key, value] : records) {
    Result<CatalogEntry> e = DecodeRecord<CatalogEntry>(value);
    if (e.ok() && ValidatePath(e->path).ok()) catalog_.Apply(*e);
  }
  records.clear();
  if (s.ok()) s = env_->Meta().Scan(kPeerKeyPrefix, &records);
  for (const auto& [key, value] : records)
    peers_[key.substr(kPeerKeyPrefix.size())] = value;
  if (!s.ok()) env_->Note(options_.name + ": cannot read saved catalog: " + s.ToString());
}

void Node::SaveEntry(const CatalogEntry& entry) {
  Status s =
      env_->Meta().Put(std::string(kCatalogKeyPrefix) + entry.path, EncodeRecord(entry));
  if (!s.ok()) env_->Note(options_.name + ": cannot persist catalog: " + s.ToString());
}

void Node::ReplaceCatalog(const std::vector<CatalogEntry>& entries) {
  Catalog fresh;
  fresh.Reset(entries);
  for (const auto& [path, old] : catalog_.entries()) {
    if (fresh.Find(path) == nullptr)
      env_->Meta().Delete(std::string(kCatalogKeyPrefix) + path);
  }
  for (const auto& [path, entry] : fresh.entries()) {
    const CatalogEntry* old = catalog_.Find(path);
    if (old == nullptr || !(*old == entry)) SaveEntry(entry);
  }
  catalog_ = std::move(fresh);
}

void Node::SaveLocal(const std::string& path, const LocalFile& f) {
  SetLocal(path, f);
  Status s = env_->Meta().Put(std::string(kLocalKeyPrefix) + path, EncodeRecord(f));
  if (!s.ok()) env_->Note(options_.name + ": cannot persist index: " + s.ToString());
}

void Node::SetLocal(const std::string& path, const LocalFile& f) {
  auto [it, added] = local_.try_emplace(path, f);
  if (!added) {
    Unindex(path, it->second);
    it->second = f;
  }
  if (f.acked) {
    by_hash_.Add(f.hash, path);
    holdings_digest_ ^= Catalog::Mix(path, f.version, f.hash);
  }
}

void Node::UnsetLocal(const std::string& path) {
  auto it = local_.find(path);
  if (it == local_.end()) return;
  Unindex(path, it->second);
  local_.erase(it);
}

void Node::Unindex(const std::string& path, const LocalFile& old) {
  if (!old.acked) return;
  holdings_digest_ ^= Catalog::Mix(path, old.version, old.hash);
  by_hash_.Remove(old.hash, path);
}

size_t Node::ContentIndex::BucketOf(const Digest& hash) const {
  uint64_t h = 0;
  std::memcpy(&h, hash.bytes.data(), sizeof(h));
  return static_cast<size_t>(h) & (buckets_.size() - 1);
}

void Node::ContentIndex::Add(const Digest& hash, const std::string& path) {
  if (!buckets_.empty()) {
    for (Entry& e : buckets_[BucketOf(hash)]) {
      if (e.hash == hash) {
        e.paths.insert(path);
        return;
      }
    }
  }
  if (entries_ >= buckets_.size()) {  // Keeps the chains about one entry long.
    std::vector<Bucket> old = std::move(buckets_);
    buckets_ = std::vector<Bucket>(std::max<size_t>(16, old.size() * 2));
    for (Bucket& bucket : old) {
      for (Entry& e : bucket) buckets_[BucketOf(e.hash)].push_back(std::move(e));
    }
  }
  buckets_[BucketOf(hash)].push_back(Entry{hash, {path}});
  entries_ += 1;
}

void Node::ContentIndex::Remove(const Digest& hash, const std::string& path) {
  if (buckets_.empty()) return;
  Bucket& bucket = buckets_[BucketOf(hash)];
  for (auto e = bucket.begin(); e != bucket.end(); ++e) {
    if (e->hash != hash) continue;
    e->paths.erase(path);
    if (e->paths.empty()) {
      bucket.erase(e);
      entries_ -= 1;
    }
    return;
  }
}

const std::string* Node::ContentIndex::Find(const Digest& hash) const {
  if (buckets_.empty()) return nullptr;
  for (const Entry& e : buckets_[BucketOf(hash)]) {
    if (e.hash == hash) return &*e.paths.begin();
  }
  return nullptr;
}

void Node::ForgetLocal(const std::string& path) {
  UnsetLocal(path);
  Status s = env_->Meta().Delete(std::string(kLocalKeyPrefix) + path);
  if (!s.ok()) env_->Note(options_.name + ": cannot persist index: " + s.ToString());
}

std::vector<Holding> Node::Inventory() const {
  std::vector<Holding> out;
  for (const auto& [path, f] : local_) {
    if (f.acked) out.push_back(Holding{path, f.version, f.hash, f.size, f.chunks});
  }
  return out;
}

void Node::Trace(std::string_view what, const std::string& path,
                 std::string_view detail) {
  std::string line;
  line.reserve(options_.name.size() + what.size() + path.size() + detail.size() + 4);
  line += options_.name;
  line += ": ";
  line += what;
  line += ' ';
  line += path;
  if (!detail.empty()) {
    line += ' ';
    line += detail;
  }
  env_->Note(line);
}

}  // namespace dds
