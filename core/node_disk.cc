// The node and its own disk: scanning, examining changed files, and the
// scrub that finds silent corruption.
#include <algorithm>

#include "core/node.h"
#include "core/path.h"
#include "core/scrub.h"

namespace dds {

void Node::ScanDisk() {
  std::vector<FileInfo> files;
  Status s = env_->Files().List(&files);
  if (!s.ok()) {
    env_->Note(options_.name + ": cannot list data dir: " + s.ToString());
    return;
  }
  std::set<std::string> seen;
  for (const FileInfo& info : files) {
    if (!ValidatePath(info.path).ok()) continue;
    seen.insert(info.path);
    Examine(info);
  }
  std::vector<std::string> missing;
  for (const auto& [path, f] : local_) {
    if (!seen.contains(path)) missing.push_back(path);
  }
  for (const std::string& path : missing) FileMissing(path);
}

void Node::OnFileEvent(const std::string& path) {
  if (!ValidatePath(path).ok()) return;
  RecheckFile(path);
}

void Node::RecheckFile(const std::string& path) {
  Result<FileInfo> info = env_->Files().Stat(path);
  if (info.ok()) {
    Examine(*info);
  } else if (info.status().IsNotFound()) {
    FileMissing(path);
  }
}

void Node::Examine(const FileInfo& info) {
  const std::string& path = info.path;
  auto it = local_.find(path);
  bool known = it != local_.end();
  // Unchanged size and mtime: trust the index rather than re-hash (the scrub
  // catches corruption that keeps both). Only for recorded content: a file
  // still being written can change twice within one mtime tick ("racy
  // clean"), so an unacknowledged change is always re-hashed.
  if (known && it->second.acked && it->second.size == info.size &&
      it->second.mtime == info.mtime) {
    return;
  }
  Result<FileDigest> hash = env_->Files().Hash(path);
  if (!hash.ok()) {
    if (hash.status().IsNotFound()) FileMissing(path);
    return;
  }
  // Still being written: the bytes hashed may not be those `info` describes.
  // The write that moved it has its own file event, examined then.
  Result<FileInfo> after = env_->Files().Stat(path);
  if (!after.ok() || after->size != info.size || after->mtime != info.mtime) return;
  if (known && it->second.hash == hash->whole) {
    LocalFile f = it->second;  // Touched, not changed.
    f.size = info.size;
    f.mtime = info.mtime;
    SaveLocal(path, f);
    return;
  }
  const CatalogEntry* entry = catalog_.Find(path);
  if (entry != nullptr && !entry->tombstone && entry->hash == hash->whole) {
    // Exactly the recorded current version (copied in by hand, say): hold it.
    AdoptAsCurrent(path, info.size, info.mtime, *entry);
    return;
  }
  CancelPull(path);
  LocalFile f{BaseVersionFor(path), hash->whole, info.size,
              info.mtime,           false,       std::move(hash->chunks)};
  SaveLocal(path, f);
  ReportChange(path, f);
}

uint64_t Node::BaseVersionFor(const std::string& path) const {
  auto it = local_.find(path);
  if (it != local_.end()) return it->second.version;
  // A file created where the catalog has a tombstone we applied is a new
  // file after the delete, not a stale copy of the deleted one.
  const CatalogEntry* entry = catalog_.Find(path);
  if (entry != nullptr && entry->tombstone) return entry->version;
  return 0;
}

void Node::AdoptAsCurrent(const std::string& path, uint64_t size, int64_t mtime,
                          const CatalogEntry& entry) {
  CancelPull(path);
  pending_changes_.erase(path);
  SaveLocal(path, LocalFile{entry.version, entry.hash, size, mtime, true, entry.chunks});
  env_->Send(options_.master, Have{options_.name, Holding{path, entry.version, entry.hash,
                                                          entry.size, entry.chunks}});
}

void Node::FileMissing(const std::string& path) {
  auto it = local_.find(path);
  if (it == local_.end()) return;
  if (!it->second.acked) {
    // A local change that vanished before the master decided on it: what
    // the catalog holds for the path, if anything, comes back.
    pending_changes_.erase(path);
    ForgetLocal(path);
    Reconcile(path);
    return;
  }
  if (options_.test_fault == TestFault::kNeverRestore) return;
  // Damage, not a delete: only `dds rm` deletes. Bring it back.
  Trace("lost from disk", path, "restoring");
  ForgetLocal(path);
  env_->Send(options_.master, Dropped{options_.name, path});
  Reconcile(path);
}

void Node::ScrubSome() {
  // A token bucket: each tick adds the interval's share of the rate (capped
  // at one second's worth), each file costs ScrubCost (core/scrub.h). A file larger than
  // the balance is still hashed when the balance is positive, and the debt is paid by the
  // ticks that follow, so the average rate holds for any mix of file sizes.
  int64_t per_tick =
      ScrubBudgetPerTick(options_.scrub_bytes_per_second, options_.scrub_interval);
  scrub_balance_ = std::min(scrub_balance_ + per_tick,
                            static_cast<int64_t>(options_.scrub_bytes_per_second));
  const size_t files = local_.size();  // At most one full pass per tick.
  for (size_t visited = 0; visited < files && scrub_balance_ > 0; ++visited) {
    auto it = local_.upper_bound(scrub_cursor_);
    if (it == local_.end()) it = local_.begin();
    scrub_cursor_ = it->first;
    if (!it->second.acked) continue;
    LocalFile f = it->second;
    scrub_balance_ -= static_cast<int64_t>(ScrubCost(f.size));
    ScrubFile(scrub_cursor_, f);  // May change local_.
  }
}

void Node::ScrubFile(const std::string& path, const LocalFile& f) {
  Result<FileDigest> hash = env_->Files().Hash(path);
  if (!hash.ok()) {
    if (hash.status().IsNotFound()) FileMissing(path);
    return;
  }
  if (hash->whole == f.hash) return;
  Result<FileInfo> info = env_->Files().Stat(path);
  if (info.ok() && (info->size != f.size || info->mtime != f.mtime)) {
    Examine(*info);  // An edit whose file event we missed.
    return;
  }
  // Same size and mtime, different bytes: silent corruption. Stop serving the
  // bad copy at once and repair it from a peer.
  Trace("corruption detected", path, "expected " + f.hash.ShortHex());
  Status s = env_->Files().Remove(path);
  if (!s.ok() && !s.IsNotFound()) env_->Note(options_.name + ": " + s.ToString());
  FileMissing(path);
}

}  // namespace dds
