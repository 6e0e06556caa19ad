// The node state machine: startup, the master link, and serving peers.
// Following the log and the holdings exchange live in node_log.cc,
// reconciliation and pulls in node_sync.cc, disk examination and the scrub
// in node_disk.cc.
#include "core/node.h"

#include <algorithm>
#include <cstring>

#include "core/check.h"
#include "core/meta_records.h"
#include "core/path.h"
#include "core/wire.h"

namespace dds {

Node::Node(Env* env, NodeOptions options)
    : env_(env),
      options_(std::move(options)),
      outbox_(env, kOutboxTimer),
      master_(options_.masters),
      log_(this, 2 * options_.heartbeat_interval),
      scrubber_(options_.scrub_bytes_per_second, options_.scrub_interval),
      scan_(options_.scan_interval, options_.scan_files_per_second, kScanTick),
      settling_(options_.settle_time),
      found_(options_.found_settle_time),
      hashes_(options_.max_hashes_in_flight),
      wanted_({options_.max_concurrent_pulls, options_.max_small_pulls,
               options_.max_small_pull_bytes}) {
  DDS_CHECK(env_ != nullptr);
  DDS_CHECK(options_.max_concurrent_pulls > 0 && options_.max_small_pulls > 0 &&
            options_.chunks_in_flight > 0 && options_.max_hashes_in_flight > 0);
}

void Node::Start() {
  LoadIgnoreRules();
  LoadCatalogAndPeers();
  LoadIndex();
  DiscardStrayStages();
  ScanDisk();
  // Reconcile toward the last catalog heard at once: if the master is down,
  // files lost from this disk still come back from peers.
  std::vector<std::string> known;
  known.reserve(index_.entries());
  for (const NodeIndex::Slot& slot : index_.slots()) {
    if (slot.has_entry()) known.emplace_back(slot.path());
  }
  for (const std::string& path : known) Reconcile(path);
  last_master_contact_ = env_->Now();
  SendRegister();
  env_->SetTimer(kHeartbeatTimer, options_.heartbeat_interval);
  env_->SetTimer(kScanTimer, kScanTick);
  env_->SetTimer(kScrubTimer, options_.scrub_interval);
}

void Node::OnMessage(const Address& from, const Message& message) {
  // Only the master it registers with is obeyed (MasterLink).
  if (FromMaster(message) && from != master_.current()) return;
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Welcome>) {
          HandleWelcome(m);
        } else if constexpr (std::is_same_v<T, CatalogPage>) {
          last_master_contact_ = env_->Now();
          log_.OnPage(m, env_->Now());
        } else if constexpr (std::is_same_v<T, EntryUpdates>) {
          last_master_contact_ = env_->Now();
          if (registered_) log_.OnUpdates(m, env_->Now());
        } else if constexpr (std::is_same_v<T, ChangeAcks>) {
          last_master_contact_ = env_->Now();
          for (const ChangeAck& ack : m.items) HandleChangeAck(ack);
        } else if constexpr (std::is_same_v<T, HeartbeatAck>) {
          HandleHeartbeatAck(m);
        } else if constexpr (std::is_same_v<T, RegisterPlease>) {
          registered_ = false;
          SendRegister();
        } else if constexpr (std::is_same_v<T, Holders>) {
          for (const HolderList& h : m.items) HandleHolders(h);
        } else if constexpr (std::is_same_v<T, Fetch>) {
          for (const FetchItem& item : m.items) HandleFetch(from, item);
        } else if constexpr (std::is_same_v<T, Chunks>) {
          for (const ChunkData& chunk : m.items) HandleChunk(chunk);
          for (const FetchFailure& failure : m.failed) HandleFetchFailed(failure);
        } else if constexpr (std::is_same_v<T, Members>) {
          HandleMembers(m);
        } else if constexpr (std::is_same_v<T, HoldingsWanted>) {
          HandleHoldingsWanted(m);
        } else if constexpr (std::is_same_v<T, IgnoreRules>) {
          HandleIgnoreRules(m);
        } else if constexpr (std::is_same_v<T, NotLeader>) {
          HandleNotLeader(m);
        } else if constexpr (std::is_same_v<T, HoldingsCheck>) {
          outbox_.Send(master_.current(),
                       HoldingsSummary{options_.name, index_.held().NonEmpty()});
        }
        // Anything else is not for a node: ignored.
      },
      message);
}

void Node::OnTimer(TimerId id) {
  if (outbox_.OnTimer(id)) return;
  switch (id) {
    case kHeartbeatTimer:
      OnHeartbeatTick();
      env_->SetTimer(kHeartbeatTimer, options_.heartbeat_interval);
      break;
    case kScanTimer:
      ScanTick();
      PumpPulls();
      env_->SetTimer(kScanTimer, kScanTick);
      break;
    case kScrubTimer:
      ScrubSome();
      env_->SetTimer(kScrubTimer, options_.scrub_interval);
      break;
    case kSettleTimer:
      SettleDue();
      break;
    default:
      break;
  }
}

void Node::OnPeerLost(const Address& peer) {
  if (peer == master_.current()) {
    MasterLost();
    master_.Next();  // registers there at the next tick
    return;
  }
  // Chunks asked of that peer will not come: give them to the other holders.
  std::vector<std::pair<std::string, std::string>> affected;  // (path, source)
  for (const auto& [path, pull] : pulls_) {
    for (const Peer& p : pull.sources()) {
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
    outbox_.Send(
        master_.current(),
        Heartbeat{.node = options_.name,
                  .cursor = log_.cursor(),
                  .held_count = index_.held().count(),
                  .held_digest = index_.held().digest(),
                  .undecided = pending_changes_.size(),
                  .settled_below = pending_changes_.SettledBelow(next_change_id_),
                  .disk_full = disk_full_,
                  .watch_incomplete = watch_incomplete_,
                  .transfers = pulls_.size(),
                  .lost_found = lost_found_,
                  .corrupt_found = corrupt_found_,
                  .ignore_version = ignore_.version,
                  .refused_names = refused_.count()});
    ResendChanges();
  } else {
    // Registering with a master that does not answer: try the next.
    if (now - last_master_contact_ > options_.master_timeout) {
      master_.Next();
      last_master_contact_ = now;
    }
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

std::optional<Holding> Node::Servable(std::string_view path) const {
  const NodeIndex::Slot* slot = index_.Find(path);
  if (slot == nullptr || !slot->held() || Ignored(path)) return std::nullopt;
  // Something happened to the file: its bytes may not be the held version's
  // any more. Served again once examined.
  if (settling_.Contains(path) || found_.Contains(path) || hashes_.Contains(path))
    return std::nullopt;
  return Holding{std::string(path), slot->local_version(), slot->local_hash(),
                 slot->local_size(), slot->local_chunks()};
}

// ---- master link ----

void Node::SendRegister() {
  log_.Forget();
  outbox_.Send(master_.current(), Register{options_.name, options_.http_url,
                                           log_.cursor(), index_.held().NonEmpty()});
}

void Node::DiskFull() {
  if (!disk_full_) env_->Note(options_.name + ": disk full; pulls paused, still serving");
  disk_full_ = true;
  disk_full_since_ = env_->Now();
}

void Node::MasterLost() {
  if (!registered_) return;
  registered_ = false;
  log_.Forget();
  env_->Note(options_.name + ": lost the master; will re-register");
}

void Node::HandleWelcome(const Welcome& m) {
  if (!master_.Accept(m.term)) {
    env_->Note(options_.name + ": " + master_.current() + " leads as term " +
               std::to_string(m.term) + ", older than term " +
               std::to_string(master_.term()) + "; not obeyed");
    master_.Next();
    return;
  }
  registered_ = true;
  last_master_contact_ = env_->Now();
  log_.Forget();  // whatever was asked before is answered to the old link
  log_.OnHead(m.head, env_->Now());
  pending_changes_.ForEach(
      [&](PendingChanges::Pending& pending) { SendChange(pending); });
}

void Node::HandleNotLeader(const NotLeader& m) {
  MasterLost();
  // Named itself: it is taking over; its Welcome comes, or the timeout.
  if (!master_.Redirect(m)) return;
  last_master_contact_ = env_->Now();  // a new master gets its whole timeout
  SendRegister();
}

void Node::HandleIgnoreRules(const IgnoreRules& m) {
  if (m == ignore_) return;
  if (m.patterns.size() > IgnoreFilter::kMaxPatterns) {
    env_->Note(options_.name + ": refusing ignore patterns: too many");
    return;
  }
  Status s = env_->Meta().Put(kIgnoreKey, EncodeRecord(m));
  if (!s.ok())
    env_->Note(options_.name + ": cannot persist ignore patterns: " + s.ToString());
  ignore_ = m;
  ignore_filter_ = IgnoreFilter(ignore_.patterns);
  env_->Note(options_.name + ": ignore patterns v" + std::to_string(m.version) + " (" +
             std::to_string(m.patterns.size()) + ")");
  // Reports and pulls of paths now ignored stop. The master tombstones
  // their entries; files a pattern no longer covers are found by a scan.
  std::vector<std::string> dropped;
  pending_changes_.ForEach([&](PendingChanges::Pending& pending) {
    if (Ignored(pending.change.path)) dropped.push_back(pending.change.path);
  });
  for (const auto& [path, pull] : pulls_) {
    if (Ignored(path)) dropped.push_back(path);
  }
  for (const std::string& path : dropped) LetGo(path);
  scan_.ScanSoon();
}

void Node::LetGo(const std::string& path) {
  CancelPull(path);
  pending_changes_.Erase(path);
  const NodeIndex::Slot* slot = index_.Find(path);
  if (slot == nullptr || !slot->has_local()) return;
  const bool held = slot->held();
  ForgetLocal(path);
  if (held) SendDropped(path);
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

void Node::HandleHeartbeatAck(const HeartbeatAck& m) {
  last_master_contact_ = env_->Now();
  // The last push may have been lost: the log has moved past our cursor.
  // A request unanswered for two heartbeats was lost too: ask again.
  log_.OnHead(m.head, env_->Now());
}

Change Node::ChangeOf(const std::string& path, const LocalFile& local) {
  return Change{local.change_id, path,        local.version, local.hash,
                local.size,      local.mtime, local.chunks,  local.removed};
}

void Node::ReportChange(const std::string& path, const LocalFile& local) {
  PendingChanges::Pending& pending =
      pending_changes_.Set(ChangeOf(path, local), env_->Now());
  Trace("reported", path,
        "v" + std::to_string(local.version) + (local.removed ? "- " : "+ ") +
            local.hash.ShortHex());
  if (registered_) SendChange(pending);
}

void Node::SendChange(PendingChanges::Pending& pending) {
  pending.sent = env_->Now();
  outbox_.Add(master_.current(),
              Changes{options_.name, {}, pending_changes_.SettledBelow(next_change_id_)},
              pending.change);
}

void Node::ResendChanges() {
  Instant now = env_->Now();
  pending_changes_.ForEach([&](PendingChanges::Pending& pending) {
    if (now - pending.sent >= options_.change_resend) SendChange(pending);
  });
}

uint64_t Node::NewChangeId() {
  const uint64_t id = next_change_id_++;
  Status s = env_->Meta().Put(kNextChangeKey, EncodeRecord(Cursor{0, next_change_id_}));
  if (!s.ok()) env_->Note(options_.name + ": cannot persist change ids: " + s.ToString());
  return id;
}

void Node::HandleChangeAck(const ChangeAck& m) {
  const NodeIndex::Slot* slot = index_.Find(m.path);
  bool ours = slot != nullptr && slot->undecided() && slot->change_id() == m.id;
  // An ack for an older change must not drop the newer one still pending.
  if (!ours || m.accepted || m.conflict_path.empty())
    pending_changes_.EraseIf(m.path, m.id);
  if (!ours) return;
  if (!m.accepted && m.conflict_path.empty()) {
    // Refused: the master ignores the path (our patterns are behind; its
    // heartbeat answer brings them), and the file stays where it is; or a
    // source's delete lost to a newer version, which comes back.
    LetGo(m.path);
    Reconcile(m.path);
    return;
  }
  if (m.accepted && slot->removing()) {
    // A delete, recorded as version m.version. Its tombstone is pushed
    // before this answer; if our copy of the log is behind, it comes later
    // (and nothing is pulled back meanwhile).
    const bool applied = slot->version() >= m.version;
    ForgetLocal(m.path);
    if (applied) Reconcile(m.path);
    return;
  }
  if (m.accepted) {
    LocalFile f = index_.LocalOf(*slot);
    f.version = m.version;
    f.acked = true;
    f.change_id = 0;
    SaveLocal(m.path, f);
    // The master counted us as holder when it decided, but a registration
    // crossing this ack may have replaced that: confirm it.
    SendHave(m.path, f);
    Reconcile(m.path);
    return;
  }
  // Our change lost the conflict rule. Once its content is safe at the
  // conflict path, it leaves this path to the winner (or to the tombstone: a
  // loser left here would look like a new file after the delete). Until
  // then the change stays pending: its re-sent copy is answered again.
  KeepLocalAsConflictCopy(m);
}

bool Node::ConflictCopyKept(const ChangeAck& m, const Digest& hash) const {
  const NodeIndex::Slot* kept = index_.Find(m.conflict_path);
  if (kept == nullptr) return false;
  // Kept once, deleted by an admin since: nothing left to keep.
  if (kept->tombstone() && kept->version() >= m.conflict_version) return true;
  return kept->held() && kept->local_hash() == hash;
}

void Node::KeepLocalAsConflictCopy(const ChangeAck& m) {
  const LocalFile f = index_.LocalOf(*index_.Find(m.path));
  if (ConflictCopyKept(m, f.hash)) return LeaveToWinner(m);
  // Under way: this copy, or a local copy the log asked for first.
  if (local_copies_.contains(m.conflict_path)) return;
  const CatalogEntry copy{m.conflict_path, m.conflict_version, f.hash,  f.size,
                          false,           options_.name,      f.mtime, f.chunks};
  std::string stage = StageName(copy);
  TrackStage(m.conflict_path, stage);
  // Copied and hashed in the background: the file may be large.
  env_->Files().CopyToStageInBackground(
      m.path, stage,
      TrackLocalCopy(copy, [this, m, copy, stage](const Result<FileDigest>& digest) {
        ConflictCopyDone(m, copy, stage, digest);
      }));
}

void Node::ConflictCopyDone(const ChangeAck& m, const CatalogEntry& copy,
                            const std::string& stage, const Result<FileDigest>& digest) {
  if (!digest.ok() || digest->whole != copy.hash) {
    // Changed since (its new version is reported on its own) or unreadable.
    ForgetStage(copy.path, stage);
    env_->Files().DiscardStage(stage);
    env_->Note(options_.name + ": cannot keep conflict copy " + copy.path + ": " +
               (digest.ok() ? "the file changed" : digest.status().ToString()));
    return;
  }
  if (ConflictCopyKept(m, copy.hash)) {
    ForgetStage(copy.path, stage);
    env_->Files().DiscardStage(stage);
  } else if (Publish(stage, copy, /*chunks_verified=*/true)) {
    Trace("kept conflict copy", copy.path);
  } else {
    env_->Note(options_.name + ": cannot keep conflict copy " + copy.path);
    return;
  }
  const NodeIndex::Slot* slot = index_.Find(m.path);
  if (slot != nullptr && slot->undecided() && slot->change_id() == m.id) LeaveToWinner(m);
}

void Node::LeaveToWinner(const ChangeAck& m) {
  pending_changes_.Erase(m.path);
  Status s = env_->Files().Remove(m.path);
  if (!s.ok() && !s.IsNotFound()) env_->Note(options_.name + ": " + s.ToString());
  ForgetLocal(m.path);
  SendDropped(m.path);
  Reconcile(m.path);
}

void Node::SendHave(const std::string& path, const LocalFile& f) {
  outbox_.Add(master_.current(), Haves{options_.name, {}},
              Holding{path, f.version, f.hash, f.size, f.chunks});
}

void Node::SendDropped(const std::string& path) {
  outbox_.Add(master_.current(), Dropped{options_.name, {}}, &Dropped::paths, path);
}

// ---- serving peers ----

void Node::HandleFetch(const Address& from, const FetchItem& m) {
  const NodeIndex::Slot* slot = index_.Find(m.path);
  if (slot == nullptr || !slot->held() || slot->local_hash() != m.hash ||
      m.offset > slot->local_size()) {
    outbox_.Add(from, Chunks{}, &Chunks::failed, FetchFailure{m.request_id, "not held"});
    return;
  }
  uint64_t want =
      std::min<uint64_t>({m.length, kChunkBytes, slot->local_size() - m.offset});
  Result<std::string> data = env_->Files().Read(m.path, m.offset, want);
  if (!data.ok() || data->size() != want) {
    // The disk no longer matches what we recorded: find out what happened.
    outbox_.Add(from, Chunks{}, &Chunks::failed,
                FetchFailure{m.request_id, "read failed"});
    RecheckFile(m.path);
    return;
  }
  outbox_.Add(from, Chunks{}, ChunkData{m.request_id, m.offset, std::move(data).value()});
}

// ---- local index ----

void Node::LoadIndex() {
  LoadRecords<LocalFile>(env_, kLocalKeyPrefix, [&](std::string_view rest, LocalFile& f) {
    std::string path(rest);
    if (!ValidatePath(path).ok()) return false;
    index_.SetLocal(path, f);
    next_change_id_ = std::max(next_change_id_, f.change_id + 1);
    if (!f.acked) {
      // A change the master had not decided when we stopped: report it again,
      // under the same id, so that it gets the same answer.
      pending_changes_.Set(ChangeOf(path, f), Instant{});
    }
    return true;
  });
  std::string value;
  if (env_->Meta().Get(kNextChangeKey, &value).ok()) {
    Result<Cursor> next = DecodeRecord<Cursor>(value);
    if (next.ok()) next_change_id_ = std::max(next_change_id_, next->seq);
  }
}

void Node::LoadIgnoreRules() {
  std::string value;
  if (!env_->Meta().Get(kIgnoreKey, &value).ok()) return;  // The defaults, then.
  Result<IgnoreRules> stored = DecodeRecord<IgnoreRules>(value);
  if (!stored.ok() || stored->patterns.size() > IgnoreFilter::kMaxPatterns) {
    env_->Note(options_.name + ": unreadable ignore patterns; using the defaults");
    return;
  }
  ignore_ = std::move(*stored);
  ignore_filter_ = IgnoreFilter(ignore_.patterns);
}

void Node::LoadCatalogAndPeers() {
  LoadRecords<CatalogEntry>(env_, kCatalogKeyPrefix,
                            [&](std::string_view, CatalogEntry& e) {
                              if (!ValidatePath(e.path).ok() || !e.WellFormed())
                                return false;
                              index_.ApplyEntry(e);
                              return true;
                            });
  std::string value;
  if (env_->Meta().Get(kCursorKey, &value).ok()) {
    Result<Cursor> cursor = DecodeRecord<Cursor>(value);
    if (cursor.ok()) log_.Restore(*cursor);
  }
  Status s =
      env_->Meta().Scan(kPeerKeyPrefix, [&](std::string_view key, std::string_view v) {
        peers_[std::string(key.substr(kPeerKeyPrefix.size()))] = std::string(v);
      });
  if (!s.ok()) env_->Note(options_.name + ": cannot read saved peers: " + s.ToString());
}

void Node::SaveEntry(const CatalogEntry& entry) {
  Status s =
      env_->Meta().Put(std::string(kCatalogKeyPrefix) + entry.path, EncodeRecord(entry));
  if (!s.ok()) env_->Note(options_.name + ": cannot persist catalog: " + s.ToString());
}

void Node::SaveLocal(const std::string& path, const LocalFile& f) {
  index_.SetLocal(path, f);
  Status s = env_->Meta().Put(std::string(kLocalKeyPrefix) + path, EncodeRecord(f));
  if (!s.ok()) env_->Note(options_.name + ": cannot persist index: " + s.ToString());
}

void Node::ForgetLocal(const std::string& path) {
  index_.ClearLocal(path);
  Status s = env_->Meta().Delete(std::string(kLocalKeyPrefix) + path);
  if (!s.ok()) env_->Note(options_.name + ": cannot persist index: " + s.ToString());
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
