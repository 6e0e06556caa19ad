// The checkers' record of facts; see ledger.h.
#include "sim/checkers/ledger.h"

namespace dds::sim {

void Ledger::Record(const CatalogEntry& entry, Instant at) {
  PathHistory& history = history_[entry.path];
  if (history.versions.empty()) paths_.push_back(entry.path);
  history.versions.insert_or_assign(entry.version, entry);
  history.recorded_at.try_emplace(entry.version, at);
  if (!entry.tombstone) ++history.digests[entry.hash];
  if (entry.tombstone && entry.version >= history.tombstone_version) {
    history.tombstone_version = entry.version;
    history.tombstone_at = at;
  }
  auto [it, inserted] = latest_.try_emplace(entry.path, entry);
  if (!inserted && it->second.version > entry.version) return;
  if (!inserted && !it->second.tombstone) {
    --live_entries_;
    if (--live_contents_[it->second.hash] == 0) live_contents_.erase(it->second.hash);
  }
  if (!inserted && !it->second.tombstone &&
      (entry.tombstone || entry.hash != it->second.hash)) {
    replaced_[it->second.hash].push_back({entry.path, at});
  }
  it->second = entry;
  if (!entry.tombstone) {
    ++live_entries_;
    ++live_contents_[entry.hash];
  }
  if (on_target_change_) on_target_change_(entry.path);
}

const CatalogEntry* Ledger::Latest(const std::string& path) const {
  auto it = latest_.find(path);
  return it == latest_.end() ? nullptr : &it->second;
}

const CatalogEntry* Ledger::Recorded(const std::string& path, uint64_t version) const {
  auto it = history_.find(path);
  if (it == history_.end()) return nullptr;
  auto v = it->second.versions.find(version);
  return v == it->second.versions.end() ? nullptr : &v->second;
}

void Ledger::RecordInferred(const std::string& path, const Digest& digest) {
  ++history_[path].digests[digest];
}

bool Ledger::WasRecorded(const std::string& path, const Digest& digest) const {
  auto it = history_.find(path);
  return it != history_.end() && it->second.digests.contains(digest);
}

std::optional<Ledger::Replaced> Ledger::ReplacedContent(const std::string& path,
                                                        const Digest& digest,
                                                        uint64_t below) const {
  auto it = history_.find(path);
  if (it == history_.end()) return std::nullopt;
  const auto& versions = it->second.versions;
  // Newest first: the first version with that content decides.
  for (auto v = std::make_reverse_iterator(versions.lower_bound(below));
       v != versions.rend(); ++v) {
    const CatalogEntry& entry = v->second;
    if (entry.tombstone || entry.hash != digest) continue;
    auto next = versions.upper_bound(entry.version);
    if (next == versions.end() || next->first >= below ||
        (!next->second.tombstone && next->second.hash == digest)) {
      return std::nullopt;
    }
    return Replaced{entry.version, it->second.recorded_at.at(entry.version)};
  }
  return std::nullopt;
}

const CatalogEntry* Ledger::LastTombstone(const std::string& path, Instant* at) const {
  auto it = history_.find(path);
  if (it == history_.end() || it->second.tombstone_version == 0) return nullptr;
  *at = it->second.tombstone_at;
  return &it->second.versions.at(it->second.tombstone_version);
}

void Ledger::CopyAdded(const std::string& path, const Digest& digest, bool live) {
  Copies& copies = copies_[{path, digest}];
  ++copies.total;
  copies.ever = true;
  if (live) {
    ++copies.live;
    LiveChanged(path, copies.live - 1, copies.live);
  }
}

void Ledger::CopyRemoved(const std::string& path, const Digest& digest, bool live,
                         bool injected, const std::string& node) {
  Copies& copies = copies_[{path, digest}];
  --copies.total;
  copies.last_loss_injected = injected;
  copies.last_remover = node;
  if (live) {
    --copies.live;
    LiveChanged(path, copies.live + 1, copies.live);
  }
}

void Ledger::CopyOnline(const std::string& path, const Digest& digest, int delta) {
  Copies& copies = copies_[{path, digest}];
  int before = copies.live;
  copies.live += delta;
  LiveChanged(path, before, copies.live);
}

const Copies* Ledger::CopiesOf(const std::string& path, const Digest& digest) const {
  auto it = copies_.find({path, digest});
  return it == copies_.end() ? nullptr : &it->second;
}

void Ledger::LiveChanged(const std::string& path, int before, int after) {
  if ((before > 0) != (after > 0) && on_target_change_) on_target_change_(path);
}

void Ledger::NoteWrite(const std::string& path, const Digest& digest, Instant at) {
  writes_.insert_or_assign({path, digest}, at);
  content_writes_.insert_or_assign(digest, at);
}

std::optional<Ledger::Replacement> Ledger::StaleElsewhere(const std::string& path,
                                                          const Digest& digest,
                                                          Instant now) const {
  auto it = replaced_.find(digest);
  if (it == replaced_.end() || live_contents_.contains(digest)) return std::nullopt;
  auto written = content_writes_.find(digest);
  for (const Replacement& r : it->second) {
    bool written_since = written != content_writes_.end() && written->second >= r.at;
    if (r.path != path && r.at < now && !written_since) return r;
  }
  return std::nullopt;
}

bool Ledger::WrittenSince(const std::string& path, const Digest& digest,
                          Instant since) const {
  auto it = writes_.find({path, digest});
  return it != writes_.end() && it->second >= since;
}

}  // namespace dds::sim
