// The node reconciling its disk toward the catalog: tombstones, local
// copies, and chunked pulls from live holders, verified before publishing.
#include <algorithm>

#include "core/node.h"
#include "core/random.h"

namespace dds {

void Node::Reconcile(const std::string& path) {
  const CatalogEntry* entry = catalog_.Find(path);
  auto local = local_.find(path);
  bool has_local = local != local_.end();
  // A local change the master has not decided on is never overwritten.
  if (has_local && !local->second.acked) return;
  if (entry == nullptr) return;
  if (entry->tombstone) {
    if (options_.test_fault == TestFault::kIgnoreTombstones) return;
    CancelPull(path);
    if (has_local) ApplyTombstone(path);
    return;
  }
  if (has_local && local->second.version >= entry->version) {
    // Current (or newer than this catalog, which re-registration resolves).
    CancelPull(path);
    return;
  }
  auto pull = pulls_.find(path);
  if (pull != pulls_.end()) {
    if (pull->second.target.version == entry->version) return;
    CancelPull(path);
  }
  if (TryLocalCopy(*entry)) return;
  retry_after_.erase(path);
  wanted_.insert(path);
  PumpPulls();
}

void Node::ApplyTombstone(const std::string& path) {
  Status s = env_->Files().Remove(path);
  if (!s.ok() && !s.IsNotFound()) {
    env_->Note(options_.name + ": cannot remove " + path + ": " + s.ToString());
    return;
  }
  ForgetLocal(path);
  env_->Send(options_.master, Dropped{options_.name, path});
  Trace("removed", path, "(tombstone)");
}

bool Node::TryLocalCopy(const CatalogEntry& entry) {
  auto same = by_hash_.find(entry.hash);
  if (same == by_hash_.end()) return false;
  const std::string& source = *same->second.begin();
  std::string stage = StageName(entry);
  if (!env_->Files().CopyToStage(source, stage).ok()) return false;
  if (!Publish(stage, entry)) return false;
  Trace("copied", entry.path, "from " + source);
  return true;
}

std::string Node::StageName(const CatalogEntry& entry) {
  uint64_t h = Catalog::Mix(entry.path, entry.version, entry.hash);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name(16, '0');
  for (int i = 0; i < 16; ++i) name[i] = kHex[(h >> (4 * (15 - i))) & 0xf];
  return name;
}

void Node::PumpPulls() {
  while (!disk_full_ && pulls_.size() < options_.max_concurrent_pulls &&
         !wanted_.empty()) {
    std::string path = *wanted_.begin();
    wanted_.erase(wanted_.begin());
    const CatalogEntry* entry = catalog_.Find(path);
    if (entry == nullptr || entry->tombstone) continue;
    StartPull(*entry);
  }
}

void Node::StartPull(const CatalogEntry& entry) {
  Pull pull;
  pull.target = entry;
  pull.stage = StageName(entry);
  pull.last_progress = env_->Now();
  Status s = env_->Files().BeginStage(pull.stage);
  if (!s.ok()) {
    if (s.IsNoSpace()) disk_full_ = true;
    RetryLater(entry.path);
    return;
  }
  if (entry.size == 0) {
    pulls_.emplace(entry.path, std::move(pull));
    FinishPull(entry.path);
    return;
  }
  if (!registered_) {
    // The master is away: try every peer we know; those without the file
    // answer FetchFailed and we move on.
    pull.sources = PeersInRandomOrder();
    if (pull.sources.empty()) {
      RetryLater(entry.path);
      return;
    }
    StartAttempt(pulls_.emplace(entry.path, std::move(pull)).first->second);
    return;
  }
  pull.awaiting_holders = true;
  pulls_.emplace(entry.path, std::move(pull));
  env_->Send(options_.master, WhoHas{options_.name, entry.path, entry.version});
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

void Node::HandleHolders(const Holders& m) {
  auto it = pulls_.find(m.path);
  if (it == pulls_.end() || !it->second.awaiting_holders ||
      it->second.target.version != m.version) {
    return;
  }
  Pull& pull = it->second;
  pull.awaiting_holders = false;
  pull.sources.clear();
  for (const Peer& p : m.peers) {
    if (p.name != options_.name) pull.sources.push_back(p);
  }
  pull.source_index = 0;
  if (pull.sources.empty()) {
    AbandonPull(m.path, "no live holder");
    return;
  }
  StartAttempt(pull);
}

void Node::StartAttempt(Pull& pull) {
  requests_.erase(pull.request_id);
  pull.request_id = next_request_id_++;
  requests_[pull.request_id] = pull.target.path;
  pull.next_offset = pull.received;  // Resume after the bytes we have.
  pull.in_flight = 0;
  pull.last_progress = env_->Now();
  RequestChunks(pull);
}

void Node::RequestChunks(Pull& pull) {
  const Address& source = pull.sources[pull.source_index].address;
  while (pull.in_flight < options_.chunks_in_flight &&
         pull.next_offset < pull.target.size) {
    uint64_t length = std::min(options_.chunk_bytes, pull.target.size - pull.next_offset);
    env_->Send(source, Fetch{pull.request_id, pull.target.path, pull.target.version,
                             pull.target.hash, pull.next_offset, length});
    pull.next_offset += length;
    pull.in_flight += 1;
  }
}

void Node::HandleChunk(const Address&, const Chunk& m) {
  auto request = requests_.find(m.request_id);
  if (request == requests_.end()) return;  // From an abandoned attempt.
  Pull& pull = pulls_.at(request->second);
  // Chunks of one attempt arrive in order; anything else is stale or hostile.
  if (m.offset != pull.received || m.data.empty() ||
      m.data.size() > pull.target.size - pull.received) {
    TryNextSource(pull);
    return;
  }
  Status s = env_->Files().WriteStage(pull.stage, m.offset, m.data);
  if (!s.ok()) {
    if (s.IsNoSpace()) disk_full_ = true;
    AbandonPull(pull.target.path, s.ToString());
    return;
  }
  pull.received += m.data.size();
  pull.in_flight -= 1;
  pull.last_progress = env_->Now();
  if (pull.received == pull.target.size) {
    FinishPull(pull.target.path);
  } else {
    RequestChunks(pull);
  }
}

void Node::HandleFetchFailed(const FetchFailed& m) {
  auto request = requests_.find(m.request_id);
  if (request == requests_.end()) return;
  TryNextSource(pulls_.at(request->second));
}

void Node::TryNextSource(Pull& pull) {
  pull.source_index += 1;
  if (pull.source_index >= pull.sources.size()) {
    AbandonPull(pull.target.path, "no holder could serve it");
    return;
  }
  StartAttempt(pull);
}

void Node::FinishPull(const std::string& path) {
  Pull pull = std::move(pulls_.at(path));
  requests_.erase(pull.request_id);
  pulls_.erase(path);
  if (Publish(pull.stage, pull.target)) {
    Trace("installed", path, "v" + std::to_string(pull.target.version));
  } else {
    RetryLater(path);
  }
  PumpPulls();
}

bool Node::Publish(const std::string& stage, const CatalogEntry& entry) {
  if (options_.test_fault != TestFault::kSkipVerify) {
    Result<Digest> hash = env_->Files().HashStage(stage);
    if (!hash.ok() || *hash != entry.hash) {
      env_->Files().DiscardStage(stage);
      Trace("rejected download", entry.path, "digest mismatch");
      return false;
    }
  }
  Result<FileInfo> info = env_->Files().Publish(stage, entry.path);
  if (!info.ok()) {
    if (info.status().IsNoSpace()) disk_full_ = true;
    env_->Files().DiscardStage(stage);
    env_->Note(options_.name + ": cannot install " + entry.path + ": " +
               info.status().ToString());
    return false;
  }
  CancelPull(entry.path);
  SaveLocal(entry.path,
            LocalFile{entry.version, entry.hash, info->size, info->mtime, true});
  env_->Send(options_.master, Have{options_.name, Holding{entry.path, entry.version,
                                                          entry.hash, entry.size}});
  return true;
}

void Node::CancelPull(const std::string& path) {
  wanted_.erase(path);
  retry_after_.erase(path);
  auto it = pulls_.find(path);
  if (it == pulls_.end()) return;
  requests_.erase(it->second.request_id);
  env_->Files().DiscardStage(it->second.stage);
  pulls_.erase(it);
}

void Node::AbandonPull(const std::string& path, std::string_view why) {
  Trace("pull failed", path, why);
  CancelPull(path);
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
  std::vector<std::string> stalled;
  for (const auto& [path, pull] : pulls_) {
    if (now - pull.last_progress > options_.fetch_timeout) stalled.push_back(path);
  }
  for (const std::string& path : stalled) {
    auto it = pulls_.find(path);
    if (it == pulls_.end()) continue;  // Replaced while handling an earlier one.
    if (it->second.awaiting_holders) {
      AbandonPull(path, "no answer from the master");
    } else {
      TryNextSource(it->second);
    }
  }
}

}  // namespace dds
