// The node reconciling its disk toward the catalog: tombstones, local
// copies, and pulls. A pull fetches a version chunk by chunk, round-robin
// over the live holders, verifies each chunk against its catalog digest as
// it lands in the stage, drops holders that fail or stall, and resumes from
// the verified chunks of an earlier attempt (even across a restart).
#include <algorithm>

#include "core/check.h"
#include "core/node.h"
#include "core/random.h"

namespace dds {

void Node::Reconcile(const std::string& path, bool pushed) {
  const NodeIndex::Slot* slot = index_.Find(path);
  if (slot == nullptr || !slot->has_entry()) return;
  if (Ignored(path)) {
    CancelPull(path);  // Never pulled, restored or deleted.
    return;
  }
  // A change of the file is being hashed: nothing replaces or deletes it
  // before its bytes are known (then it is reconciled again).
  if (hashes_.Contains(path)) return;
  if (slot->undecided()) {
    // A local change the master has not decided on is never overwritten. If
    // the catalog has recorded the same content meanwhile (from another
    // node, or from this one's report whose ack was lost), the change is
    // that version: nothing is left to decide.
    if (slot->live() && slot->hash() == slot->local_hash()) {
      AdoptAsCurrent(path, slot->local_size(), slot->local_mtime(),
                     index_.EntryOf(*slot));
    }
    return;
  }
  if (slot->held() && slot->local_version() > slot->version()) {
    // Newer than this copy of the catalog, tombstone included: a version
    // of ours the master accepted, whose push was lost. The log catches up;
    // applying the older tombstone would delete the only copy.
    CancelPull(path);
    return;
  }
  if (slot->tombstone()) {
    CancelPull(path);
    if (!slot->has_local()) return;
    // Tombstoned because a pattern covers it: our patterns may be behind,
    // but the file is ignored all the same, so it stays.
    if (index_.OriginOf(*slot) == kIgnoredOrigin) {
      LetGo(path);
    } else {
      ApplyTombstone(path);
    }
    return;
  }
  if (slot->held() && slot->local_version() >= slot->version()) {
    // Current (or newer than this catalog, which re-registration resolves).
    CancelPull(path);
    return;
  }
  if (auto copy = local_copies_.find(path); copy != local_copies_.end()) {
    if (copy->second.version == slot->version()) return;  // Under way.
    CancelPull(path);
  }
  auto pull = pulls_.find(path);
  if (pull != pulls_.end()) {
    if (pull->second.target().version == slot->version()) return;
    CancelPull(path);
  }
  const CatalogEntry entry = index_.EntryOf(*slot);
  if (TryLocalCopy(entry)) return;
  retry_after_.erase(path);
  wanted_.Want(path, entry.size, pushed);
  PumpPulls();
}

void Node::ApplyTombstone(const std::string& path) {
  Status s = env_->Files().Remove(path);
  if (!s.ok() && !s.IsNotFound()) {
    env_->Note(options_.name + ": cannot remove " + path + ": " + s.ToString());
    return;
  }
  ForgetLocal(path);
  SendDropped(path);
  Trace("removed", path, "(tombstone)");
}

bool Node::TryLocalCopy(const CatalogEntry& entry) {
  const NodeIndex::Slot* same = index_.FindHeld(entry.hash);
  if (same == nullptr) return false;
  // A copy: publishing changes the index, which may free the name it holds.
  const std::string source(same->path());
  std::string stage = StageName(entry);
  // The content's path is deleted (a move: the log brings the new path and
  // the old one's tombstone together): rename it rather than copy it.
  const bool moved = same->tombstone() && env_->Files().MoveToStage(source, stage).ok();
  if (moved) {
    ForgetLocal(source);
    SendDropped(source);
  }
  TrackStage(entry.path, stage);
  // The bytes are checked (and, for a copy, copied) in the background: a
  // large file takes seconds. Its digest is checked whole: a file that has
  // grown since it was held starts with the right bytes and goes on.
  auto done = TrackLocalCopy(
      entry, [this, entry, stage, source, moved](const Result<FileDigest>& digest) {
        LocalCopyDone(entry, stage, moved ? "moved" : "copied", source, digest);
      });
  if (moved) {
    env_->Files().HashStageInBackground(stage, std::move(done));
  } else {
    env_->Files().CopyToStageInBackground(source, stage, std::move(done));
  }
  return true;
}

FileStore::HashDone Node::TrackLocalCopy(
    const CatalogEntry& entry, std::function<void(const Result<FileDigest>&)> then) {
  const uint64_t token = next_disk_job_++;
  local_copies_[entry.path] = {token, entry.version};
  return [this, path = entry.path, token,
          then = std::move(then)](Result<FileDigest> digest) {
    auto it = local_copies_.find(path);
    if (it == local_copies_.end() || it->second.token != token) return;  // Dropped.
    local_copies_.erase(it);
    then(digest);
  };
}

void Node::LocalCopyDone(const CatalogEntry& entry, const std::string& stage,
                         std::string_view how, const std::string& source,
                         const Result<FileDigest>& digest) {
  if (!digest.ok() || digest->whole != entry.hash) {
    ForgetStage(entry.path, stage);
    env_->Files().DiscardStage(stage);
    Trace("rejected copy", entry.path, "digest mismatch");
    wanted_.Want(entry.path, entry.size, /*pushed=*/false);  // From a peer, then.
    PumpPulls();
    return;
  }
  if (hashes_.Contains(entry.path)) {
    RetryLater(entry.path);  // A local change is being hashed: it may be one to keep.
    return;
  }
  if (Publish(stage, entry, /*chunks_verified=*/true)) {
    Trace(how, entry.path, "from " + source);
  } else {
    RetryLater(entry.path);
  }
}

std::string Node::StageName(const CatalogEntry& entry) {
  uint64_t h = Catalog::Mix(entry.path, entry.version, entry.hash);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name(16, '0');
  for (int i = 0; i < 16; ++i) name[i] = kHex[(h >> (4 * (15 - i))) & 0xf];
  return name;
}

void Node::DiscardStrayStages() {
  std::vector<std::string> stages;
  if (!env_->Files().ListStages(&stages).ok()) return;
  std::map<std::string, std::string> useful;  // stage -> path
  for (const NodeIndex::Slot& slot : index_.slots()) {
    if (slot.live())
      useful.emplace(StageName(index_.EntryOf(slot)), std::string(slot.path()));
  }
  for (const std::string& stage : stages) {
    auto it = useful.find(stage);
    if (it == useful.end()) {
      env_->Files().DiscardStage(stage);
    } else {
      stages_[it->second] = stage;
    }
  }
}

void Node::TrackStage(const std::string& path, const std::string& stage) {
  auto [it, added] = stages_.try_emplace(path, stage);
  if (added || it->second == stage) return;
  env_->Files().DiscardStage(it->second);  // an older version's partial download
  it->second = stage;
}

void Node::DiscardStageOf(const std::string& path) {
  auto it = stages_.find(path);
  if (it == stages_.end()) return;
  env_->Files().DiscardStage(it->second);
  stages_.erase(it);
}

void Node::PumpPulls() {
  while (!disk_full_) {
    std::optional<PullQueue::Next> next = wanted_.Take();
    if (!next) break;
    const NodeIndex::Slot* slot = index_.Find(next->path);
    if (slot == nullptr || !slot->live() || Ignored(next->path)) continue;
    StartPull(index_.EntryOf(*slot), next->pushed);
  }
}

void Node::StartPull(const CatalogEntry& entry, bool pushed) {
  std::string stage = StageName(entry);
  Result<uint64_t> begun = env_->Files().BeginStage(stage);
  if (!begun.ok()) {
    if (begun.status().IsNoSpace()) DiskFull();
    RetryLater(entry.path);
    return;
  }
  TrackStage(entry.path, stage);
  auto [running, added] =
      pulls_.try_emplace(entry.path, entry, std::move(stage), env_->Now());
  DDS_CHECK(added);  // PullQueue hands out a path only while it has no pull
  Download& pull = running->second;
  wanted_.Started(entry.size);
  if (*begun == 0) {
    GoOnPulling(pull, pushed);
    return;
  }
  // What an earlier attempt wrote is checked in the background (seconds, for
  // gigabytes); the pull goes on from there.
  const uint64_t token = next_disk_job_++;
  resumes_[entry.path] = token;
  env_->Files().HashStageInBackground(
      pull.stage(), [this, path = entry.path, token, pushed](Result<FileDigest> digest) {
        auto it = resumes_.find(path);
        if (it == resumes_.end() || it->second != token) return;  // Stopped meanwhile.
        resumes_.erase(it);
        Download& resumed = pulls_.at(path);
        if (digest.ok()) ResumeFromStage(resumed, *digest);
        GoOnPulling(resumed, pushed);
      });
}

void Node::GoOnPulling(Download& pull, bool pushed) {
  const CatalogEntry& entry = pull.target();
  if (pull.complete()) {
    FinishPull(entry.path);
  } else if (std::optional<Peer> origin = OriginToAsk(entry, pushed)) {
    pull.AddSource(std::move(*origin));
    SendRequests(pull);
  } else if (registered_) {
    AskForHolders(pull);
  } else {
    // The master is away: try every peer we know; those without the file
    // answer FetchFailed and are dropped.
    for (Peer& peer : PeersInRandomOrder()) pull.AddSource(std::move(peer));
    SendRequests(pull);
  }
}

std::optional<Peer> Node::OriginToAsk(const CatalogEntry& entry, bool pushed) const {
  // News of a one-chunk version: its origin has it, so ask the origin and
  // spare the master a WhoHas round trip (a third of its messages when small
  // files stream in). Only for news: an older entry's origin may be long
  // gone, and a dead peer answers nothing until the fetch times out. Larger
  // versions ask the master, whose holder list spreads their chunks.
  if (!registered_ || !pushed || entry.size > kChunkBytes) return std::nullopt;
  auto origin = peers_.find(entry.origin);
  if (origin == peers_.end()) return std::nullopt;
  return Peer{origin->first, origin->second};
}

void Node::AskForHolders(Download& pull) {
  pull.AwaitHolders(env_->Now());
  outbox_.Add(master_.current(), WhoHas{options_.name, {}},
              VersionRef{pull.target().path, pull.target().version});
}

void Node::ResumeFromStage(Download& pull, const FileDigest& stage) {
  // The stage's chunks, as far as it goes (a chunk it holds only part of
  // has another digest).
  const size_t held = stage.chunks.empty() ? 1 : stage.chunks.size();
  for (uint64_t i = 0; i < pull.chunk_count() && i < held; ++i) {
    const Digest& hash = stage.chunks.empty() ? stage.whole : stage.chunks[i];
    if (hash == pull.target().ChunkDigest(i)) pull.Resumed(i);
  }
  if (pull.done() > 0 && !pull.complete()) {
    Trace("resuming", pull.target().path,
          std::to_string(pull.done()) + "/" + std::to_string(pull.chunk_count()) +
              " chunks");
  }
}

std::vector<Peer> Node::PeersInRandomOrder() {
  std::vector<Peer> peers;
  for (const auto& [name, address] : peers_) peers.push_back({name, address});
  for (size_t i = 0; i + 1 < peers.size(); ++i) {
    size_t j = i + UniformBelow(env_->Random(), peers.size() - i);
    std::swap(peers[i], peers[j]);
  }
  return peers;
}

void Node::HandleHolders(const HolderList& m) {
  auto it = pulls_.find(m.path);
  if (it == pulls_.end() || !it->second.awaiting_holders() ||
      it->second.target().version != m.version) {
    return;
  }
  it->second.TakeHolders(m.peers, options_.name);
  SendRequests(it->second);
}

void Node::SendRequests(Download& pull) {
  if (pull.sources().empty()) {
    AbandonPull(pull.target().path, "no live holder");
    return;
  }
  const CatalogEntry& target = pull.target();
  for (const Download::Ask& ask :
       pull.Plan(options_.chunks_in_flight, &next_request_id_, env_->Now())) {
    requests_.emplace(ask.id, target.path);
    outbox_.Add(ask.source.address, Fetch{},
                FetchItem{ask.id, target.path, target.version, target.hash,
                          pull.ChunkOffset(ask.chunk), pull.ChunkLength(ask.chunk)});
  }
}

void Node::HandleChunk(const ChunkData& m) {
  auto request = requests_.find(m.request_id);
  if (request == requests_.end()) return;  // Stale: its holder was dropped.
  const std::string path = std::move(request->second);
  requests_.erase(request);
  Download& pull = pulls_.at(path);
  const Download::Request r = pull.Answered(m.request_id);
  if (!AcceptChunk(pull, r.chunk, m)) {
    DropSource(pull, r.source, "sent a bad chunk");
    return;
  }
  pull.Landed(r.chunk, env_->Now());
  if (pull.complete()) {
    FinishPull(path);
  } else {
    SendRequests(pull);
  }
}

bool Node::AcceptChunk(const Download& pull, uint64_t chunk, const ChunkData& m) {
  const uint64_t offset = pull.ChunkOffset(chunk);
  if (m.offset != offset || m.data.size() != pull.ChunkLength(chunk)) return false;
  Result<Digest> written = env_->Files().WriteStage(pull.stage(), offset, m.data);
  if (!written.ok()) {
    if (written.status().IsNoSpace()) DiskFull();
    return false;
  }
  return *written == pull.target().ChunkDigest(chunk);
}

void Node::HandleFetchFailed(const FetchFailure& m) {
  auto request = requests_.find(m.request_id);
  if (request == requests_.end()) return;
  Download& pull = pulls_.at(request->second);
  const std::string source = pull.requests().at(m.request_id).source;
  DropSource(pull, source, m.reason);
}

void Node::DropSource(Download& pull, const std::string& source, std::string_view why) {
  for (uint64_t id : pull.DropSource(source)) requests_.erase(id);
  if (disk_full_) {
    AbandonPull(pull.target().path, "disk full");
  } else if (pull.sources().empty() && registered_ && !pull.asked_master()) {
    AskForHolders(pull);  // The origin no longer had it: ask who does.
  } else if (pull.sources().empty()) {
    AbandonPull(pull.target().path, std::string(source) + " " + std::string(why));
  } else {
    SendRequests(pull);
  }
}

void Node::FinishPull(std::string path) {
  const Download& running = pulls_.at(path);
  const std::string stage = running.stage();
  const CatalogEntry target = running.target();
  StopPull(path);
  if (hashes_.Contains(path)) {
    // A local change is being hashed: it may be one to keep. The stage
    // waits (TrackStage) for the next attempt.
    RetryLater(path);
    PumpPulls();
    return;
  }
  // An empty file has no chunk to verify: Publish checks its digest.
  if (Publish(stage, target, /*chunks_verified=*/target.size > 0)) {
    Trace("installed", path, "v" + std::to_string(target.version));
  } else {
    RetryLater(path);
  }
  PumpPulls();
}

bool Node::Publish(const std::string& stage, const CatalogEntry& entry,
                   bool chunks_verified) {
  if (!chunks_verified) {
    // All of the stage: a copy of a file that has grown since it was held
    // starts with the right bytes and goes on.
    Result<Digest> hash = env_->Files().HashStage(stage);
    if (!hash.ok() || *hash != entry.hash) {
      ForgetStage(entry.path, stage);
      env_->Files().DiscardStage(stage);
      Trace("rejected copy", entry.path, "digest mismatch");
      return false;
    }
  }
  Result<FileInfo> info = env_->Files().Publish(stage, entry.path);
  if (!info.ok()) {
    if (info.status().IsNoSpace()) DiskFull();
    env_->Note(options_.name + ": cannot install " + entry.path + ": " +
               info.status().ToString());
    return false;
  }
  ForgetStage(entry.path, stage);  // It is the file now.
  CancelPull(entry.path);
  const LocalFile f{entry.version, entry.hash, info->size,
                    info->mtime,   true,       entry.chunks};
  SaveLocal(entry.path, f);
  SendHave(entry.path, f);
  return true;
}

void Node::StopPull(std::string path) {
  resumes_.erase(path);
  auto pull = pulls_.find(path);
  if (pull == pulls_.end()) return;
  for (const auto& [id, request] : pull->second.requests()) requests_.erase(id);
  wanted_.Stopped(pull->second.target().size);
  pulls_.erase(pull);
}

void Node::CancelPull(std::string path) {
  local_copies_.erase(path);
  wanted_.Unwant(path);
  retry_after_.erase(path);
  DiscardStageOf(path);
  StopPull(path);
}

void Node::ForgetStage(const std::string& path, const std::string& stage) {
  auto it = stages_.find(path);
  if (it != stages_.end() && it->second == stage) stages_.erase(it);
}

void Node::AbandonPull(std::string path, std::string_view why) {
  // The stage stays: its verified chunks are reused by the next attempt.
  Trace("pull paused", path, why);
  StopPull(path);
  RetryLater(path);
  PumpPulls();
}

void Node::RetryLater(const std::string& path) {
  retry_after_[path] = env_->Now() + options_.retry_delay;
}

void Node::RetryDuePulls() {
  Instant now = env_->Now();
  std::vector<std::string> due;
  for (const auto& [path, when] : retry_after_) {
    if (when <= now) due.push_back(path);
  }
  for (const std::string& path : due) {
    retry_after_.erase(path);
    Reconcile(path);
  }
}

void Node::CheckPullTimeouts() {
  Instant now = env_->Now();
  std::vector<std::pair<std::string, std::string>> stalled;  // (path, source)
  for (const auto& [id, path] : requests_) {
    const Download& pull = pulls_.at(path);
    if (pull.Stalled(id, now, options_.fetch_timeout))
      stalled.emplace_back(path, pull.requests().at(id).source);
  }
  for (const auto& [path, pull] : pulls_) {
    if (pull.HoldersOverdue(now, options_.fetch_timeout)) stalled.emplace_back(path, "");
  }
  for (const auto& [path, source] : stalled) {
    auto it = pulls_.find(path);
    if (it == pulls_.end()) continue;  // Already handled for another source.
    if (source.empty()) {
      AbandonPull(path, "no answer from the master");
    } else {
      DropSource(it->second, source, "did not answer");
    }
  }
}

bool Node::InHand(const std::string& path) const {
  const NodeIndex::Slot* slot = index_.Find(path);
  return (slot != nullptr && slot->undecided()) || wanted_.Wants(path) ||
         pulls_.contains(path) || retry_after_.contains(path) || hashes_.Contains(path) ||
         local_copies_.contains(path);
}

void Node::CheckStranded() {
  // Walks the index from where the last tick stopped: all of it within
  // three heartbeats up to kStrandedSlice * 3 paths, within 30 beyond (a
  // bounded share of the index a tick, like the scrub's).
  const NodeIndex::Slots& slots = index_.slots();
  if (slots.empty()) return;
  size_t budget = std::max(kStrandedSlice, slots.size() / 30) + 1;
  auto slot = slots.upper_bound(std::string_view(stranded_cursor_));
  if (slot == slots.end()) slot = slots.begin();
  std::vector<std::string> stranded;
  for (; budget > 0 && slot != slots.end(); --budget, ++slot) {
    if (!slot->has_entry()) continue;
    bool lacking = slot->tombstone()
                       ? slot->has_local()
                       : !slot->has_local() ||
                             (slot->held() && slot->local_version() < slot->version());
    if (lacking && !InHand(std::string(slot->path())))
      stranded.emplace_back(slot->path());
    stranded_cursor_.assign(slot->path());
  }
  for (const std::string& path : stranded) {
    Trace("stranded", path, "reconciling");
    Reconcile(path);
  }
}

}  // namespace dds
