// The node and its own disk: scanning, examining changed files, and the
// scrub that finds silent corruption.
#include <algorithm>

#include "core/node.h"
#include "core/path.h"

namespace dds {

void Node::ScanDisk() {
  // At start-up the node examines at once: it must know what it holds
  // before it follows the catalog (a file it has not recorded, at a path
  // deleted meanwhile, would look like a new one). A writer at work then
  // may have a state of its file recorded before the final one.
  scan_.BeginWholePass(env_->Now());
  while (!ScanSome(kScanPage, /*settle=*/false)) {
  }
}

void Node::OnFileEventsMissed(bool complete, bool lost) {
  if (watch_incomplete_ == complete) {
    env_->Note(options_.name + (complete ? ": every directory watched again"
                                         : ": part of the data dir goes unwatched; "
                                           "the periodic scan covers it"));
  }
  watch_incomplete_ = !complete;
  if (lost) scan_.ScanSoon();
}

void Node::ScanTick() {
  if (size_t budget = scan_.Due(env_->Now())) ScanSome(budget, /*settle=*/true);
}

bool Node::ScanSome(size_t budget, bool settle) {
  if (scan_.cursor().empty()) refused_.PassBegins();
  std::vector<FileInfo> files;
  Status s = env_->Files().List(scan_.cursor(), budget, &files);
  if (!s.ok()) {
    env_->Note(options_.name + ": cannot list data dir: " + s.ToString());
    scan_.Abort();
    return true;
  }
  const std::vector<std::string> missing = scan_.Walk(index_, files, budget);
  const bool end = scan_.cursor().empty();
  for (const FileInfo& info : files) {
    if (Status valid = ValidatePath(info.path); !valid.ok()) {
      Refuse(info.path, valid);
    } else if (!settle) {
      ExamineNow(info);
    } else if (!Unchanged(info)) {
      // A writer may be at work on it: examined once settled.
      Settle(found_, info.path, {true, info.size, info.mtime});
    }
  }
  // Gone, or renamed: examined once settled, with the other half of a rename.
  for (const std::string& path : missing) {
    if (settle) {
      Settle(found_, path, {});
    } else {
      FileMissing(path);
    }
  }
  if (end) refused_.PassEnds();
  return end;
}

void Node::OnFileEvent(const std::string& path) {
  if (Status valid = ValidatePath(path); !valid.ok()) {
    Refuse(path, valid);
    return;
  }
  found_.Erase(path);  // An event says the writer is done: it settles quickly.
  Settle(settling_, path, LookAt(path));
}

void Node::OnFileComplete(const std::string& path) {
  if (ValidatePath(path).ok()) RecheckFile(path);
}

void Node::OnFileFound(const std::string& path) {
  if (Status valid = ValidatePath(path); !valid.ok()) {
    Refuse(path, valid);
    return;
  }
  Settle(found_, path, LookAt(path));
}

SettleQueue::Look Node::LookAt(const std::string& path) {
  Result<FileInfo> info = env_->Files().Stat(path);
  if (!info.ok()) return {};
  return {true, info->size, info->mtime};
}

void Node::Settle(SettleQueue& queue, const std::string& path,
                  const SettleQueue::Look& look) {
  if (queue.quiet() == Duration::zero()) {
    RecheckFile(path);
    return;
  }
  queue.Touch(path, look, env_->Now());
  ArmSettleTimer();
}

void Node::ArmSettleTimer() {
  std::optional<Instant> due = settling_.NextDue();
  if (std::optional<Instant> found = found_.NextDue(); found && (!due || *found < *due))
    due = found;
  if (due) env_->SetTimer(kSettleTimer, std::max(Duration::zero(), *due - env_->Now()));
}

void Node::SettleDue() {
  // Paths touched together (the halves of a rename, in one read of the
  // event queue) come due microseconds apart: take them together, and
  // report what is there before what is gone, so a move reaches the master
  // in one batch with its new path first.
  std::vector<std::string> gone;
  for (SettleQueue* queue : {&settling_, &found_}) {
    for (const auto& [path, look] : queue->TakeDue(env_->Now() + kSettleTogether)) {
      const SettleQueue::Look now = LookAt(path);
      if (!(now == look)) {
        queue->Touch(path, now, env_->Now());  // Still moving.
      } else if (look.present) {
        RecheckFile(path);  // Quiet for the whole settle time.
      } else {
        gone.push_back(path);
      }
    }
  }
  for (const std::string& path : gone) {
    // The other half of a rename may be among the files being hashed (of
    // the same size; its event may have come due a moment earlier): the
    // gone half waits for them, so that both reach the master together,
    // the new path first.
    GoneHalf half{path, {}};
    const NodeIndex::Slot* slot = index_.Find(path);
    if (slot != nullptr && slot->has_local())
      half.awaited = hashes_.WithSize(slot->local_size());
    if (half.awaited.empty() && gone_halves_.empty()) {
      RecheckFile(path);
    } else {
      gone_halves_.push_back(std::move(half));
    }
  }
  ArmSettleTimer();
}

void Node::ReleaseGoneHalves() {
  while (!gone_halves_.empty()) {
    const std::vector<std::string>& awaited = gone_halves_.front().awaited;
    if (std::any_of(awaited.begin(), awaited.end(),
                    [&](const std::string& path) { return hashes_.Contains(path); }))
      return;
    const std::string path = std::move(gone_halves_.front().path);
    gone_halves_.pop_front();
    RecheckFile(path);
  }
}

bool Node::Unchanged(const FileInfo& info) const {
  // Only for recorded content: a file still being written can change twice
  // within one mtime tick ("racy clean"), so an unacknowledged change is
  // always re-hashed (the scrub catches corruption that keeps both).
  return index_.HeldAsRecorded(info.path, info.size, info.mtime);
}

void Node::Refuse(const std::string& path, const Status& why) {
  if (refused_.Found(path)) {
    env_->Note(options_.name + ": not replicated, " + why.message());
  }
}

void Node::RecheckFile(const std::string& path) {
  if (hashes_.Contains(path)) {
    hashes_.Touched(path);  // Looked at again once the hash in flight is back.
    return;
  }
  Result<FileInfo> info = env_->Files().Stat(path);
  if (info.ok()) {
    Examine(*info);
  } else if (info.status().IsNotFound()) {
    FileMissing(path);
  }
}

bool Node::NeedsHash(const FileInfo& info) const {
  // Ignored: never reported (a recorded one, the master tombstones).
  // Unchanged: trust the index rather than re-hash.
  return !Ignored(info.path) && !Unchanged(info);
}

void Node::ExamineNow(const FileInfo& info) {
  if (NeedsHash(info)) Examined(info, env_->Files().Hash(info.path));
}

void Node::Examine(const FileInfo& info) {
  if (!NeedsHash(info)) return;
  hashes_.Add(info.path, info.size);
  PumpHashes();
}

void Node::PumpHashes() {
  while (std::optional<std::string> path = hashes_.Start()) {
    Result<FileInfo> info = env_->Files().Stat(*path);
    if (!info.ok() || !NeedsHash(*info)) {
      hashes_.Finish(*path);
      if (info.status().IsNotFound()) {
        FileMissing(*path);  // Gone meanwhile.
      } else {
        Reconcile(*path);  // As recorded: held back for nothing.
      }
      continue;
    }
    env_->Files().HashInBackground(
        *path, [this, before = *info](Result<FileDigest> hash) {
          const bool again = hashes_.Finish(before.path);
          Examined(before, std::move(hash));
          if (again) {
            RecheckFile(before.path);
          } else {
            Reconcile(before.path);  // Held back while the bytes were unknown.
          }
          PumpHashes();
        });
  }
  ReleaseGoneHalves();
}

void Node::Examined(const FileInfo& info, Result<FileDigest> hash) {
  const std::string& path = info.path;
  if (!hash.ok()) {
    if (hash.status().IsNotFound()) Settle(settling_, path, {});  // Gone meanwhile.
    return;
  }
  // Still being written: the bytes hashed may not be those `info` describes.
  // The write that moved it has its own file event, examined then.
  Result<FileInfo> after = env_->Files().Stat(path);
  if (!after.ok() || after->size != info.size || after->mtime != info.mtime) return;
  const NodeIndex::Slot* slot = index_.Find(path);
  if (slot != nullptr && slot->has_local() && !slot->removing() &&
      slot->local_hash() == hash->whole) {
    LocalFile f = index_.LocalOf(*slot);  // Touched, not changed.
    f.size = info.size;
    f.mtime = info.mtime;
    SaveLocal(path, f);
    return;
  }
  if (slot != nullptr && slot->live() && slot->hash() == hash->whole &&
      !slot->removing()) {
    // Exactly the recorded current version (copied in by hand, say): hold it.
    // (Not when our delete of it is under way: then it is written anew.)
    AdoptAsCurrent(path, info.size, info.mtime, index_.EntryOf(*slot));
    return;
  }
  CancelPull(path);
  LocalFile f{BaseVersionFor(path),    hash->whole,  info.size, info.mtime, false,
              std::move(hash->chunks), NewChangeId()};
  SaveLocal(path, f);
  ReportChange(path, f);
}

void Node::ReportDeletion(const std::string& path) {
  const NodeIndex::Slot* slot = index_.Find(path);
  const bool held = slot->held();
  CancelPull(path);
  // The version the delete replaces: what we held, or the base of a change
  // of ours still undecided (the delete follows it). The content it deletes
  // goes with it: if the master recorded that very content meanwhile (from
  // another node, say), the delete is of what it recorded.
  const LocalFile f{slot->local_version(), slot->local_hash(), 0, 0, false, {},
                    NewChangeId(),         /*removed=*/true};
  SaveLocal(path, f);
  if (held) SendDropped(path);
  Trace("deleted at the source", path);
  ReportChange(path, f);
}

uint64_t Node::BaseVersionFor(const std::string& path) const {
  const NodeIndex::Slot* slot = index_.Find(path);
  if (slot == nullptr) return 0;
  if (slot->has_local()) return slot->local_version();
  // A file created where the catalog has a tombstone we applied is a new
  // file after the delete, not a stale copy of the deleted one.
  if (slot->tombstone()) return slot->version();
  return 0;
}

void Node::AdoptAsCurrent(const std::string& path, uint64_t size, int64_t mtime,
                          const CatalogEntry& entry) {
  CancelPull(path);
  pending_changes_.Erase(path);
  const LocalFile f{entry.version, entry.hash, size, mtime, true, entry.chunks};
  SaveLocal(path, f);
  SendHave(path, f);
}

void Node::FileMissing(const std::string& path) {
  const NodeIndex::Slot* slot = index_.Find(path);
  if (slot == nullptr || !slot->has_local()) return;
  if (Ignored(path)) {
    LetGo(path);  // Never restored.
    return;
  }
  if (slot->removing()) return;  // Our delete: gone.
  if (options_.source) {
    ReportDeletion(path);
    return;
  }
  if (slot->undecided()) {
    // A local change that vanished before the master decided on it: what
    // the catalog holds for the path, if anything, comes back.
    pending_changes_.Erase(path);
    ForgetLocal(path);
    Reconcile(path);
    return;
  }
  // Damage, not a delete: only `dds rm` deletes. Bring it back.
  ++lost_found_;
  Trace("lost from disk", path, "restoring");
  ForgetLocal(path);
  SendDropped(path);
  Reconcile(path);
}

void Node::ScrubSome() {
  scrubber_.Tick(index_, [&](const std::string& path, const LocalFile& f, uint64_t offset,
                             uint64_t length) {
    ScrubStep(path, f, offset, length);  // May change the index.
  });
}

void Node::ScrubStep(const std::string& path, const LocalFile& f, uint64_t offset,
                     uint64_t length) {
  if (hashes_.Contains(path)) return;  // Changed: its new bytes are being hashed.
  Result<FileInfo> info = env_->Files().Stat(path);
  if (!info.ok()) {
    if (info.status().IsNotFound()) Settle(found_, path, {});  // Gone meanwhile.
    return;
  }
  if (info->size != f.size || info->mtime != f.mtime) {
    // An edit whose file event we missed (or that has none yet: a writer
    // still at work): examined once settled.
    Settle(found_, path, {true, info->size, info->mtime});
    return;
  }
  const uint64_t chunk = offset / kChunkBytes;
  if (!f.chunks.empty() && chunk >= f.chunks.size()) return;  // Not this file's layout.
  const Digest& expected = f.chunks.empty() ? f.hash : f.chunks[chunk];
  Result<Digest> hash = env_->Files().HashFileRange(path, offset, length);
  if (!hash.ok()) {
    if (hash.status().IsNotFound()) Settle(found_, path, {});  // Gone or cut short.
    return;
  }
  if (*hash == expected) return;
  // Same size and mtime, different bytes: silent corruption. Stop serving the
  // bad copy at once and repair it from a peer.
  ++corrupt_found_;
  Trace("corruption detected", path, "expected " + expected.ShortHex());
  Status s = env_->Files().Remove(path);
  if (!s.ok() && !s.IsNotFound()) env_->Note(options_.name + ": " + s.ToString());
  FileMissing(path);
}

}  // namespace dds
