// The in-memory data directory; see sim_disk.h.
#include "sim/sim_disk.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "sim/event_loop.h"

namespace dds::sim {
namespace {

// Larger than any file a scenario makes; guards against absurd offsets.
constexpr uint64_t kMaxStageBytes = 1ull << 36;

Status NoFile(const std::string& path) {
  return Status::NotFound("no such file: " + path);
}
Status NoStage(const std::string& stage) {
  return Status::NotFound("no such stage: " + stage);
}

}  // namespace

uint64_t ContentMix(const std::string& path, const Digest& digest) {
  std::string_view bytes(reinterpret_cast<const char*>(digest.bytes.data()),
                         digest.bytes.size());
  return Fnv1a64(bytes, Fnv1a64(path));
}

Duration DiskSpeed::Time(uint64_t bytes, Instant at) const {
  const uint64_t micros = bytes / bytes_per_second_ * 1'000'000 +
                          bytes % bytes_per_second_ * 1'000'000 / bytes_per_second_;
  const Instant end = at + latency_ + Duration(static_cast<Duration::rep>(micros));
  return std::max(end, stall_until_) - at;
}

SimDisk::SimDisk(std::string node, EventLoop* loop, BlobPool* pool,
                 DiskObserver* observer)
    : node_(std::move(node)), loop_(loop), pool_(pool), observer_(observer) {}

Status SimDisk::List(const std::string& after, size_t max, std::vector<FileInfo>* files) {
  files->clear();
  // The files and the ghosts (none unless the disk hides deletions), merged
  // in path order.
  auto file = files_.upper_bound(after);
  auto ghost = ghosts_.upper_bound(after);
  while (files->size() < max && (file != files_.end() || ghost != ghosts_.end())) {
    const bool take_ghost =
        file == files_.end() || (ghost != ghosts_.end() && ghost->first < file->first);
    auto& it = take_ghost ? ghost : file;
    files->push_back(InfoOf(it->first, it->second));
    ++it;
  }
  return Status::Ok();
}

const SimDisk::File* SimDisk::Seen(const std::string& path) const {
  auto it = files_.find(path);
  if (it != files_.end()) return &it->second;
  auto ghost = ghosts_.find(path);
  return ghost == ghosts_.end() ? nullptr : &ghost->second;
}

Result<FileInfo> SimDisk::Stat(const std::string& path) {
  const File* file = Seen(path);
  if (file == nullptr) return NoFile(path);
  return InfoOf(path, *file);
}

Result<FileDigest> SimDisk::Hash(const std::string& path) {
  const File* file = Seen(path);
  Charge(file == nullptr ? 0 : file->blob->bytes.size());
  return DigestNow(path);
}

Result<FileDigest> SimDisk::DigestNow(const std::string& path) {
  LandRacingWrite(path);
  auto it = files_.find(path);
  if (it == files_.end()) {
    const File* ghost = Seen(path);
    if (ghost == nullptr) return NoFile(path);
    return ghost->blob->file_digest();
  }
  it->second.corrupt_unhashed = false;  // the node now knows what the bytes are
  return it->second.blob->file_digest();
}

void SimDisk::HashInBackground(const std::string& path, HashDone done) {
  const File* file = Seen(path);
  InBackground(
      file == nullptr ? 0 : file->blob->bytes.size(),
      [this, path] { return DigestNow(path); }, std::move(done));
}

void SimDisk::HashStageInBackground(const std::string& stage, HashDone done) {
  auto it = stages_.find(stage);
  const uint64_t bytes = it == stages_.end() ? 0
                         : it->second.whole  ? it->second.whole->bytes.size()
                                             : it->second.bytes.size();
  InBackground(
      bytes,
      [this, stage]() -> Result<FileDigest> {
        auto now = stages_.find(stage);
        if (now == stages_.end()) return NoStage(stage);
        const Stage& s = now->second;
        return s.whole ? s.whole->file_digest() : DigestOf(s.bytes);
      },
      std::move(done));
}

void SimDisk::CopyToStageInBackground(const std::string& path, const std::string& stage,
                                      HashDone done) {
  const File* file = Seen(path);
  if (file == nullptr) {
    InBackground(
        0, [path]() -> Result<FileDigest> { return NoFile(path); }, std::move(done));
    return;
  }
  // Emptied now, as the runtime opens it (O_TRUNC), and filled at the end:
  // unless discarded meanwhile (the runtime then writes to an unlinked file).
  Stage& emptied = stages_[stage];
  emptied = Stage{};
  emptied.id = ++next_stage_id_;
  InBackground(
      file->blob->bytes.size(),
      [this, path, stage, id = emptied.id]() -> Result<FileDigest> {
        const File* now = Seen(path);
        if (now == nullptr) return NoFile(path);
        auto it = stages_.find(stage);
        if (it == stages_.end() || it->second.id != id) return NoStage(stage);
        if (Status room = Room(now->blob->bytes.size(), stage); !room.ok()) return room;
        it->second.whole = now->blob;
        return now->blob->file_digest();
      },
      std::move(done));
}

void SimDisk::InBackground(uint64_t bytes, std::function<Result<FileDigest>()> job,
                           HashDone done) {
  Duration takes = speed_.Time(bytes, loop_->Now() + busy_);
  if (lie_ == Lie::kHashInline) {
    busy_ += takes;  // The old way: the loop waits for it.
    takes = Duration{};
  }
  loop_->After(busy_ + takes, [this, since = online_since_, job = std::move(job),
                               done = std::move(done)] {
    if (!online_ || since != online_since_) return;  // The node went down meanwhile.
    auto finish = [job, done] { done(job()); };
    if (deliver_) {
      deliver_(std::move(finish));
    } else {
      finish();
    }
  });
}

void SimDisk::Charge(uint64_t bytes) {
  busy_ += speed_.Time(bytes, loop_->Now() + busy_);
}

void SimDisk::set_online(bool online) {
  if (online_ && !online) {
    ++online_since_;
    busy_ = Duration{};
  }
  online_ = online;
}

Result<Digest> SimDisk::HashFileRange(const std::string& path, uint64_t offset,
                                      uint64_t length) {
  const File* file = Seen(path);
  if (file == nullptr) return NoFile(path);
  const std::string& bytes = file->blob->bytes;
  if (offset > bytes.size() || length > bytes.size() - offset) {
    return Status::NotFound(path + " is shorter than the range");
  }
  Charge(length);
  auto it = files_.find(path);
  if (it != files_.end() && it->second.corrupt_unhashed &&
      offset <= it->second.corrupt_from && it->second.corrupt_to <= offset + length) {
    it->second.corrupt_unhashed = false;  // the node now knows what those bytes are
  }
  // The scrub's ranges are the file or one of its chunks, hashed when the
  // blob was made; only another range costs a hash here.
  const Blob& blob = *file->blob;
  if (offset == 0 && length == bytes.size() && blob.chunks.empty()) return blob.digest;
  if (offset % kChunkBytes == 0 && offset / kChunkBytes < blob.chunks.size() &&
      length == std::min<uint64_t>(kChunkBytes, bytes.size() - offset)) {
    return blob.chunks[offset / kChunkBytes];
  }
  return Sha256Of(std::string_view(bytes).substr(offset, length));
}

Result<std::string> SimDisk::Read(const std::string& path, uint64_t offset,
                                  uint64_t length) {
  const File* file = Seen(path);
  if (file == nullptr) return NoFile(path);
  const std::string& bytes = file->blob->bytes;
  if (offset > bytes.size()) return Status::InvalidArgument("read past end of " + path);
  std::string read = bytes.substr(offset, length);
  Charge(read.size());
  return read;
}

Status SimDisk::Remove(const std::string& path) {
  if (ghosts_.erase(path) > 0 && !files_.contains(path)) return Status::Ok();
  auto it = files_.find(path);
  if (it == files_.end()) return NoFile(path);
  if (lie_ == Lie::kKeepRemoved) return Status::Ok();
  Erase(it, ChangeCause::kNodeRemove);
  return Status::Ok();
}

Result<uint64_t> SimDisk::BeginStage(const std::string& stage) {
  auto it = stages_.find(stage);
  if (it != stages_.end()) {  // it keeps its bytes (resume)
    const Stage& s = it->second;
    return s.whole ? s.whole->bytes.size() : s.bytes.size();
  }
  if (Status room = Room(1, stage); !room.ok()) return room;
  stages_.try_emplace(stage);
  return uint64_t{0};
}

Result<Digest> SimDisk::WriteStage(const std::string& stage, uint64_t offset,
                                   std::string_view data) {
  auto it = stages_.find(stage);
  if (it == stages_.end()) return NoStage(stage);
  if (offset > kMaxStageBytes || data.size() > kMaxStageBytes - offset) {
    return Status::InvalidArgument("stage write past the size limit: " + stage);
  }
  Stage& s = it->second;
  uint64_t size = s.whole ? s.whole->bytes.size() : s.bytes.size();
  uint64_t end = offset + data.size();
  if (Status room = Room(end > size ? end - size : 0, stage); !room.ok()) return room;
  if (s.whole) {  // first write to a copied stage: materialise it
    s.bytes = s.whole->bytes;
    s.whole.reset();
  }
  Charge(data.size());
  if (s.bytes.size() < offset + data.size()) s.bytes.resize(offset + data.size());
  s.bytes.replace(offset, data.size(), data);
  Digest written = Sha256Of(data);
  // A write of the whole stage of a one-chunk file hashed it whole too.
  if (offset == 0 && data.size() == s.bytes.size() && data.size() <= kChunkBytes) {
    s.hashed = written;
  } else {
    s.hashed.reset();
  }
  return written;
}

Status SimDisk::CopyToStage(const std::string& path, const std::string& stage) {
  const File* file = Seen(path);
  if (file == nullptr) return NoFile(path);
  if (Status room = Room(file->blob->bytes.size(), stage); !room.ok()) return room;
  Charge(file->blob->bytes.size());
  stages_[stage] = Stage{{}, file->blob};
  return Status::Ok();
}

Status SimDisk::MoveToStage(const std::string& path, const std::string& stage) {
  const File* file = Seen(path);
  if (file == nullptr) return NoFile(path);
  stages_[stage] = Stage{{}, file->blob};
  return Remove(path);
}

Result<Digest> SimDisk::HashStageRange(const std::string& stage, uint64_t offset,
                                       uint64_t length) {
  auto it = stages_.find(stage);
  if (it == stages_.end()) return NoStage(stage);
  Stage& s = it->second;
  std::string_view bytes = s.whole ? std::string_view(s.whole->bytes) : s.bytes;
  if (offset > bytes.size() || length > bytes.size() - offset) {
    return Status::NotFound("stage " + stage + " is shorter than the range");
  }
  Charge(length);
  return Sha256Of(bytes.substr(offset, length));
}

Result<Digest> SimDisk::HashStage(const std::string& stage) {
  auto it = stages_.find(stage);
  if (it == stages_.end()) return NoStage(stage);
  Stage& s = it->second;
  Charge(s.whole ? s.whole->bytes.size() : s.bytes.size());
  if (s.whole) return s.whole->digest;
  if (!s.hashed) s.hashed = DigestOf(s.bytes).whole;
  return *s.hashed;
}

Status SimDisk::ListStages(std::vector<std::string>* stages) {
  stages->clear();
  for (const auto& [name, stage] : stages_) stages->push_back(name);
  return Status::Ok();
}

Result<FileInfo> SimDisk::Publish(const std::string& stage, const std::string& path) {
  auto it = stages_.find(stage);
  if (it == stages_.end()) return NoStage(stage);
  if (Status room = Room(0, path); !room.ok()) return room;
  Charge(0);
  Stage s = std::move(it->second);
  stages_.erase(it);
  BlobRef blob = s.whole    ? std::move(s.whole)
                 : s.hashed ? pool_->Intern(std::move(s.bytes), *s.hashed)
                            : pool_->Intern(std::move(s.bytes));
  if (lie_ == Lie::kCorruptPublishes && !blob->bytes.empty()) {
    std::string bytes = blob->bytes;
    bytes[0] ^= static_cast<char>(0x5a);
    blob = pool_->Intern(std::move(bytes));
  }
  if (on_publish_) {
    if (unflushed_.empty()) on_publish_();
    auto held = files_.find(path);
    unflushed_.try_emplace(
        path, held == files_.end() ? std::nullopt : std::optional<File>(held->second));
  }
  Replace(path, File{std::move(blob), NowNanos(), false}, ChangeCause::kPublish);
  return InfoOf(path, files_.at(path));
}

void SimDisk::DiscardStage(const std::string& stage) { stages_.erase(stage); }

void SimDisk::WriteFile(const std::string& path, BlobRef blob) {
  auto [it, fresh] = unsynced_.try_emplace(path);
  if (fresh) {
    auto old = files_.find(path);
    if (old != files_.end()) it->second.before = old->second;
  }
  it->second.written = loop_->Now();
  Replace(path, File{std::move(blob), NowNanos(), false}, ChangeCause::kScenario);
}

void SimDisk::WriteDuringNextHash(const std::string& path, BlobRef blob) {
  racing_.insert_or_assign(path, std::move(blob));
}

void SimDisk::LandRacingWrite(const std::string& path) {
  auto it = racing_.find(path);
  if (it == racing_.end()) return;
  BlobRef blob = std::move(it->second);
  racing_.erase(it);
  WriteFile(path, std::move(blob));
}

bool SimDisk::DeleteFile(const std::string& path) {
  auto it = files_.find(path);
  if (it == files_.end()) return false;
  unsynced_.erase(path);
  if (lie_ == Lie::kHideDeletions) ghosts_.insert_or_assign(path, it->second);
  Erase(it, ChangeCause::kScenario);
  return true;
}

bool SimDisk::CorruptFile(const std::string& path, BlobRef corrupted) {
  auto it = files_.find(path);
  if (it == files_.end() || it->second.blob->bytes.size() != corrupted->bytes.size()) {
    return false;
  }
  // Where the bytes differ, added to what earlier corruptions not yet
  // hashed changed.
  const std::string& before = it->second.blob->bytes;
  const std::string& after = corrupted->bytes;
  uint64_t from = 0;
  while (from < before.size() && before[from] == after[from]) ++from;
  uint64_t to = before.size();
  while (to > from && before[to - 1] == after[to - 1]) --to;
  if (it->second.corrupt_unhashed) {
    from = std::min(from, it->second.corrupt_from);
    to = std::max(to, it->second.corrupt_to);
  }
  unsynced_.erase(path);
  File file{std::move(corrupted), it->second.mtime, true, from, to};
  Replace(path, std::move(file), ChangeCause::kScenario);
  return true;
}

const SimDisk::File* SimDisk::Find(const std::string& path) const {
  auto it = files_.find(path);
  return it == files_.end() ? nullptr : &it->second;
}

std::vector<std::pair<std::string, const Blob*>> SimDisk::LoseUnsynced(
    Duration window, SplitMix64& random,
    const std::function<bool(const std::string&, const Blob&)>& keep) {
  std::vector<std::pair<std::string, const Blob*>> reverted;
  std::map<std::string, Unsynced> unsynced = std::move(unsynced_);
  unsynced_.clear();
  for (auto& [path, write] : unsynced) {
    auto it = files_.find(path);
    if (loop_->Now() - write.written >= window || (random.Next() & 1) ||
        it == files_.end() || keep(path, *it->second.blob)) {
      continue;
    }
    if (!write.before) {
      Erase(it, ChangeCause::kScenario);
      reverted.emplace_back(path, nullptr);
    } else if (write.before->mtime != it->second.mtime) {  // else indistinguishable
      Replace(path, *write.before, ChangeCause::kScenario);
      reverted.emplace_back(path, files_.at(path).blob.get());
    }
  }
  for (auto& [name, stage] : stages_) TearStage(stage, random);
  return reverted;
}

void SimDisk::TearStage(Stage& stage, SplitMix64& random) {
  if (stage.whole) {
    stage.bytes = stage.whole->bytes;
    stage.whole.reset();
  }
  stage.hashed.reset();
  uint64_t kept = UniformBelow(random.Next(), stage.bytes.size() + 1);
  stage.bytes.resize(kept);
  if (random.Next() & 1) {  // the tail's blocks were allocated, never written
    uint64_t from = UniformBelow(random.Next(), kept + 1);
    std::fill(stage.bytes.begin() + static_cast<ptrdiff_t>(from), stage.bytes.end(),
              '\0');
  }
}

uint64_t SimDisk::used() const {
  uint64_t bytes = 0;
  for (const auto& [path, file] : files_) bytes += file.blob->bytes.size();
  for (const auto& [name, stage] : stages_) {
    bytes += stage.whole ? stage.whole->bytes.size() : stage.bytes.size();
  }
  return bytes;
}

Status SimDisk::Room(uint64_t more, std::string_view what) {
  if (capacity_ == 0 || used() + more <= capacity_) return Status::Ok();
  ++space_refusals_;
  return Status::NoSpace("no space left on " + node_ + " for " + std::string(what));
}

void SimDisk::LosePublishes() {
  on_publish_ = nullptr;
  for (auto& [path, before] : std::exchange(unflushed_, {})) {
    if (before) {
      Replace(path, std::move(*before), ChangeCause::kCrash);
    } else if (auto it = files_.find(path); it != files_.end()) {
      Erase(it, ChangeCause::kCrash);
    }
  }
}

void SimDisk::Replace(const std::string& path, File file, ChangeCause cause) {
  if (cause != ChangeCause::kScenario) unsynced_.erase(path);
  if (cause != ChangeCause::kPublish) unflushed_.erase(path);
  ghosts_.erase(path);
  auto [it, inserted] = files_.try_emplace(path);
  BlobRef before = inserted ? nullptr : it->second.blob;
  if (before) Account(path, before.get());
  it->second = std::move(file);
  Account(path, it->second.blob.get());
  observer_->OnFileChanged({*this, path, before.get(), it->second.blob.get(), cause});
}

void SimDisk::Erase(std::map<std::string, File>::iterator it, ChangeCause cause) {
  const std::string path = it->first;
  if (cause != ChangeCause::kScenario) unsynced_.erase(path);
  unflushed_.erase(path);
  BlobRef before = std::move(it->second.blob);
  files_.erase(it);
  Account(path, before.get());
  observer_->OnFileChanged({*this, path, before.get(), nullptr, cause});
}

void SimDisk::Account(const std::string& path, const Blob* blob) {
  content_digest_ ^= ContentMix(path, blob->digest);
}

FileInfo SimDisk::InfoOf(const std::string& path, const File& file) const {
  return FileInfo{path, file.blob->bytes.size(), file.mtime};
}

int64_t SimDisk::NowNanos() const {
  return static_cast<int64_t>(loop_->Now().time_since_epoch().count()) * 1000;
}

}  // namespace dds::sim
