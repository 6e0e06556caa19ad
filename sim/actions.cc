// Executes scenario actions; see actions.h.
#include "sim/actions.h"

#include <algorithm>
#include <cstdio>

#include "sim/faults.h"
#include "sim/run_record.h"
#include "sim/units.h"

namespace dds::sim {

std::vector<Action> PlanActions(const Scenario& scenario, SplitMix64& random) {
  std::vector<Action> plan = scenario.actions;
  for (const RandomActions& r : scenario.random) {
    uint64_t period = static_cast<uint64_t>(r.every.count());
    for (Instant t = r.from; t < r.until; t += r.every) {
      Action a = r.action;
      a.at = std::min(
          t + Duration(static_cast<int64_t>(UniformBelow(random.Next(), period))),
          r.until);
      plan.push_back(std::move(a));
    }
  }
  PlanFaults(scenario.faults, random, &plan);
  std::stable_sort(plan.begin(), plan.end(),
                   [](const Action& a, const Action& b) { return a.at < b.at; });
  return plan;
}

Instant LastActionTime(const std::vector<Action>& plan) {
  Instant last{};
  for (const Action& a : plan)
    last = std::max(last, a.at + a.undo_after.value_or(Duration(0)));
  return last;
}

ActionRunner::ActionRunner(World* world, Checkers* checkers, const Scenario& scenario,
                           uint64_t seed)
    : world_(world),
      checkers_(checkers),
      scenario_(scenario),
      seed_(seed),
      random_(Fnv1a64("actions", seed)) {
  for (const Action& a : scenario.actions) {
    if (a.kind == ActionKind::kAddNode && !a.node.empty()) reserved_names_.insert(a.node);
  }
}

void ActionRunner::BuildCluster() {
  for (uint64_t i = 1; i <= scenario_.masters; ++i)
    world_->AddMaster(MasterName(i), scenario_.masters,
                      scenario_.test_faults.For(MasterName(i)));
  for (uint64_t i = 1; i <= scenario_.nodes; ++i) NewNode(NodeName(i));
  PlaceWorkload();
  for (const auto& host : world_->hosts()) {
    if (host->disk) host->disk->Sync();
    world_->Start(*host);
  }
}

Host& ActionRunner::NewNode(const std::string& name) {
  Host& host = world_->AddNode(name, scenario_.test_faults.For(name));
  host.node_options.source = std::find(scenario_.sources.begin(), scenario_.sources.end(),
                                       name) != scenario_.sources.end();
  host.disk->set_capacity(scenario_.disk_capacity);
  host.disk->set_speed(DiskSpeed(scenario_.disk_latency, scenario_.disk_rate));
  return host;
}

void ActionRunner::PlaceWorkload() {
  const Workload& w = scenario_.workload;
  std::vector<Host*> nodes;
  for (const auto& host : world_->hosts()) {
    if (host->disk) nodes.push_back(host.get());
  }
  for (uint64_t i = 1; i <= w.files; ++i) {
    std::array<char, 24> name{};
    std::snprintf(name.data(), name.size(), "f%05llu.bin",
                  static_cast<unsigned long long>(i));
    std::string path = w.prefix + name.data();
    BlobRef blob = RandomBytes(
        w.size_min + UniformBelow(random_.Next(), w.size_max - w.size_min + 1), random_);
    checkers_->OnScenarioWrite(path, blob->digest);
    std::vector<Host*> pool = nodes;
    for (uint64_t c = 0; c < w.copies; ++c) {  // distinct nodes, in random order
      size_t pick = UniformBelow(random_.Next(), pool.size() - c);
      std::swap(pool[pick], pool[pool.size() - 1 - c]);
      world_->WriteFile(*pool[pool.size() - 1 - c], path, blob);
    }
  }
}

void ActionRunner::Schedule(const Action& action) {
  world_->loop().At(action.at, [this, action] { Execute(action); });
}

void ActionRunner::Execute(const Action& a) {
  switch (a.kind) {
    case ActionKind::kAddNode:
      return AddNode(a);
    case ActionKind::kCrash:
      return Crash(a);
    case ActionKind::kRestart:
      return Restart(a);
    case ActionKind::kDelete:
      return Delete(a);
    case ActionKind::kCorrupt:
      return Corrupt(a);
    case ActionKind::kWrite:
    case ActionKind::kModify:
      return Write(a);
    case ActionKind::kRemove:
      return Remove(a);
    case ActionKind::kPartition:
      return Partition(a);
    case ActionKind::kHeal:
      world_->network().Heal();
      if (RunRecord* record = world_->record()) record->Heal(world_->loop().Now());
      Record(a, "", "");
      return Log(a, "");
    case ActionKind::kMasterCrash:
    case ActionKind::kMasterRestart:
      return MasterCrash(a);
    case ActionKind::kCoordinationOutage:
    case ActionKind::kLeaderCutOff:
    case ActionKind::kCoordinationHeal:
      return CoordinationFault(a);
    case ActionKind::kRead:
      return Read(a);
    case ActionKind::kLossSpike:
    case ActionKind::kDelaySpike:
    case ActionKind::kCalm:
      return Spike(a);
    case ActionKind::kDiskFull:
    case ActionKind::kDiskFree:
      return DiskFull(a);
    case ActionKind::kMove:
      return Move(a);
    case ActionKind::kSlowWrite:
      return SlowWrite(a);
    case ActionKind::kTempWrite:
      return TempWrite(a);
    case ActionKind::kDiskStall:
      return DiskStall(a);
  }
}

void ActionRunner::Record(const Action& a, const std::string& node,
                          const std::string& path) {
  if (a.undo) return;
  Action done = a;
  done.node = node;
  done.path = path;
  done.candidates.clear();
  done.from_faults = false;
  done.at = world_->loop().Now();
  executed_.push_back(std::move(done));
}

void ActionRunner::ScheduleUndo(const Action& a, ActionKind undo,
                                const std::string& node) {
  if (!a.undo_after) return;
  Action later;
  later.kind = undo;
  later.node = node;
  later.undo = true;
  world_->loop().After(*a.undo_after, [this, later] { Execute(later); });
}

SplitMix64 ActionRunner::StreamOf(const Action& a, const std::string& node,
                                  const std::string& path) const {
  std::string key = std::string(ActionName(a.kind)) + " " + node + " " + path + " " +
                    std::to_string(world_->loop().Now().time_since_epoch().count());
  return SplitMix64(Fnv1a64(key, seed_));
}

bool ActionRunner::MayCrashAnother() const {
  uint64_t down = 0;
  for (const auto& host : world_->hosts())
    down += host->disk && (!host->up() || host->crash_armed);
  return down < scenario_.faults.max_down;
}

bool ActionRunner::LastCopy(const std::string& path, const Digest& digest) const {
  if (!scenario_.faults.keep_a_copy) return false;
  const CatalogEntry* entry = checkers_->ledger().Latest(path);
  if (!entry || entry->tombstone || entry->hash != digest) return false;
  const Copies* copies = checkers_->ledger().CopiesOf(path, digest);
  return copies && copies->total <= 1;
}

void ActionRunner::Log(const Action& a, const std::string& what,
                       const std::string& target, bool skipped) {
  const std::string line =
      std::string(ActionName(a.kind)) + (what.empty() ? "" : " " + what);
  world_->trace().Notable(world_->loop().Now(), line);
  if (RunRecord* record = world_->record())
    record->Act(world_->loop().Now(), a.kind, target, line, skipped);
}

void ActionRunner::Skip(const Action& a, const std::string& why,
                        const std::string& target) {
  Log(a, "skipped: " + why, target, true);
}

void ActionRunner::AddNode(const Action& a) {
  std::string name = a.node.empty() ? NewNodeName() : a.node;
  if (world_->Find(name))
    return Log(a, name + ": skipped, it already exists", name, true);
  Host& host = NewNode(name);
  Log(a, name, name);
  Record(a, name, "");
  world_->Start(host);
}

std::string ActionRunner::NewNodeName() {
  for (uint64_t i = world_->hosts().size();; ++i) {
    std::string name = NodeName(i);
    if (!world_->Find(name) && !reserved_names_.contains(name)) return name;
  }
}

void ActionRunner::Crash(const Action& a) {
  if (a.from_faults && !MayCrashAnother()) return Skip(a, "max_down reached");
  Host* host = PickNode(a, true);
  if (!host) return Skip(a, "no node is up");
  if (host->node && host->node->active_pulls() > 0)
    ++world_->coverage().moments[std::string(kCrashDuringDownload)];
  if (a.in_publish_window) {
    Log(a, host->name + " (in its next publish window)", host->name);
    Record(a, host->name, "");
    world_->CrashInPublishWindow(*host, kPublishWindowWait);
    Action later = a;
    if (later.undo_after) *later.undo_after += kPublishWindowWait;
    return ScheduleUndo(later, ActionKind::kRestart, host->name);
  }
  Log(a, host->name + (a.lose_writes ? " (losing unsynced writes)" : ""), host->name);
  Record(a, host->name, "");
  world_->Crash(*host);
  if (a.lose_writes) LoseWrites(a, *host);
  ScheduleUndo(a, ActionKind::kRestart, host->name);
}

void ActionRunner::LoseWrites(const Action& a, Host& host) {
  SplitMix64 random = StreamOf(a, host.name, "");
  auto keep = [this](const std::string& path, const Blob& blob) {
    return LastCopy(path, blob.digest);
  };
  for (const auto& [path, now] :
       host.disk->LoseUnsynced(scenario_.unsynced_window, random, keep)) {
    ++world_->coverage().moments[std::string(kUnsyncedWriteLost)];
    const std::string line = host.name + " lost an unsynced write: " + path +
                             (now ? " reverted to " + now->digest.ShortHex() : " gone");
    world_->trace().Notable(world_->loop().Now(), line);
    if (RunRecord* record = world_->record())
      record->Note(world_->loop().Now(), host.name, line);
    if (now) checkers_->OnScenarioWrite(path, now->digest);
  }
}

void ActionRunner::Restart(const Action& a) {
  Host* host = PickNode(a, false);
  if (!host) return Skip(a, "no node is down");
  Log(a, host->name, host->name);
  Record(a, host->name, "");
  world_->Start(*host);
}

void ActionRunner::Delete(const Action& a) {
  Host* host = PickNode(a, true);
  std::string path = host ? PickFile(a, *host) : "";
  const SimDisk::File* file = path.empty() ? nullptr : host->disk->Find(path);
  if (file && a.from_faults && LastCopy(path, file->blob->digest)) {
    return Skip(a, path + " on " + host->name + " is its last copy", host->name);
  }
  const Digest digest = file ? file->blob->digest : Digest{};
  if (!file || !world_->DeleteFile(*host, path)) return Skip(a, "no such file");
  Log(a, host->name + " " + path + (host->node_options.source ? " (at a source)" : ""),
      host->name);
  Record(a, host->name, path);
  if (KnownToSource(*host, path, digest))
    checkers_->OnSourceDelete(host->name, path, digest);
}

bool ActionRunner::KnownToSource(const Host& host, const std::string& path,
                                 const Digest& digest) const {
  // A source deletes what it has picked up (recorded or reported): a file
  // it never looked at, gone before it settled, is no delete of its own,
  // and the same content from another node stands.
  if (!host.node_options.source || !host.node) return false;
  const NodeIndex::Slot* slot = host.node->index().Find(path);
  return slot != nullptr && slot->has_local() && slot->local_hash() == digest;
}

void ActionRunner::Corrupt(const Action& a) {
  Host* host = PickNode(a, true);
  std::string path = host ? PickFile(a, *host) : "";
  const SimDisk::File* file = path.empty() ? nullptr : host->disk->Find(path);
  if (file && a.from_faults && LastCopy(path, file->blob->digest)) {
    return Skip(a, path + " on " + host->name + " is its last copy", host->name);
  }
  if (!file || !world_->CorruptFile(*host, path, StreamOf(a, host->name, path).Next())) {
    return Skip(a, "no such file, or it is empty");
  }
  Log(a, host->name + " " + path + " (silently)", host->name);
  Record(a, host->name, path);
}

void ActionRunner::Write(const Action& a) {
  Host* host = PickNode(a, true);
  if (!host) return Skip(a, "no node");
  std::string path = a.kind == ActionKind::kModify ? PickFile(a, *host) : a.path;
  const SimDisk::File* old = path.empty() ? nullptr : host->disk->Find(path);
  if (a.kind == ActionKind::kModify && !old) return Skip(a, "no such file");
  if (path.empty()) path = "gen/w" + std::to_string(next_file_++) + ".bin";
  Action done = a;
  done.size = a.content ? std::nullopt
                        : std::optional(a.size.value_or(old ? old->blob->bytes.size()
                                                            : scenario_.file_size));
  SplitMix64 random = StreamOf(a, host->name, path);
  BlobRef blob = Content(done, done.size.value_or(0), random);
  Log(a,
      host->name + " " + path + " (" + std::to_string(blob->bytes.size()) + " bytes, " +
          blob->digest.ShortHex() + (a.in_place ? ", in place" : "") + ")",
      host->name);
  Record(done, host->name, path);
  checkers_->OnScenarioWrite(path, blob->digest);
  if (a.in_place) {
    world_->WriteInPlace(*host, path, std::move(blob));
  } else {
    world_->WriteFile(*host, path, std::move(blob));
  }
}

void ActionRunner::Move(const Action& a) {
  Host* host = PickNode(a, true);
  const std::string from = host ? PickFile(a, *host) : "";
  const SimDisk::File* file = from.empty() ? nullptr : host->disk->Find(from);
  if (!file) return Skip(a, "no such file");
  Action done = a;
  done.to = a.to.empty() ? from + ".moved" : a.to;
  if (done.to == from || host->disk->Find(done.to)) return Skip(a, done.to + " exists");
  const Digest digest = file->blob->digest;
  Log(a, host->name + " " + from + " -> " + done.to, host->name);
  Record(done, host->name, from);
  checkers_->OnScenarioWrite(done.to, digest);
  if (KnownToSource(*host, from, digest))
    checkers_->OnSourceDelete(host->name, from, digest);
  world_->MoveFile(*host, from, done.to);
}

std::optional<ActionRunner::Writing> ActionRunner::StartWriting(const Action& a,
                                                                const char* prefix) {
  Host* host = PickNode(a, true);
  if (!host) return std::nullopt;
  Writing w{host, a.path, a, nullptr};
  if (w.path.empty())
    w.path = "gen/" + std::string(prefix) + std::to_string(next_file_++) + ".bin";
  w.done.size = a.size.value_or(scenario_.file_size);
  SplitMix64 random = StreamOf(a, host->name, w.path);
  w.blob = Content(w.done, *w.done.size, random);
  return w;
}

void ActionRunner::SlowWrite(const Action& a) {
  std::optional<Writing> w = StartWriting(a, "s");
  if (!w) return Skip(a, "no node");
  Host* host = w->host;
  const std::string& path = w->path;
  Action& done = w->done;
  const BlobRef& blob = w->blob;
  done.takes = a.takes.value_or(std::chrono::seconds(1));
  Log(a,
      host->name + " " + path + " (" + std::to_string(blob->bytes.size()) + " bytes in " +
          std::to_string(kSlowWriteSteps) + " steps)",
      host->name);
  Record(done, host->name, path);
  // The file grows a step at a time, open all along: no event tells the node
  // until the last step closes it, but a scan may find it half written. A
  // node that waits longer than a step before examining what a scan found
  // must never record a partial state while the writer works.
  const Duration step = *done.takes / kSlowWriteSteps;
  const Instant done_at = world_->loop().Now() + step * (kSlowWriteSteps - 1);
  const bool settles_slower = host->node_options.found_settle_time > step;
  std::optional<Digest> before;  // what the previous step left at the path
  for (uint64_t k = 1; k <= kSlowWriteSteps; ++k) {
    BlobRef part = k == kSlowWriteSteps
                       ? blob
                       : world_->blobs().Intern(blob->bytes.substr(
                             0, blob->bytes.size() * k / kSlowWriteSteps));
    if (k < kSlowWriteSteps && settles_slower)
      checkers_->safety().OnPartialWrite(path, part->digest, host->name,
                                         world_->loop().Now(), done_at);
    auto land = [this, node = host->name, path, part, before,
                 closes = k == kSlowWriteSteps] {
      Host* h = world_->Find(node);
      if (h == nullptr) return;
      // Deleted or replaced meanwhile: the writer goes on writing a file no
      // longer at the path (an unlinked inode); nothing reappears there.
      const SimDisk::File* now = h->disk->Find(path);
      if (before && (now == nullptr || now->blob->digest != *before)) return;
      checkers_->OnScenarioWrite(path, part->digest);
      if (closes) {
        world_->WriteFile(*h, path, part);
      } else {
        h->disk->WriteFile(path, part);  // No event: the file is still open.
      }
    };
    world_->loop().After(step * (k - 1), land);
    before = part->digest;
  }
}

void ActionRunner::TempWrite(const Action& a) {
  std::optional<Writing> w = StartWriting(a, "t");
  if (!w) return Skip(a, "no node");
  Host* host = w->host;
  const std::string& path = w->path;
  const BlobRef& blob = w->blob;
  SplitMix64 random = StreamOf(a, host->name, "." + path);
  // rsync's temp name: ".NAME.XXXXXX" in the same directory.
  static constexpr char kAlnum[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const size_t slash = path.rfind('/');
  const size_t leaf = slash == std::string::npos ? 0 : slash + 1;
  std::string temp = path.substr(0, leaf) + "." + path.substr(leaf) + ".";
  for (int i = 0; i < 6; ++i) temp += kAlnum[UniformBelow(random.Next(), 62)];
  Log(a, host->name + " " + path + " (via " + temp + ")", host->name);
  Record(w->done, host->name, path);
  checkers_->OnScenarioWrite(path, blob->digest);
  world_->WriteFile(*host, temp, blob);
  world_->loop().After(kTempRenameAfter, [this, node = host->name, temp, path] {
    Host* h = world_->Find(node);
    if (h != nullptr) world_->MoveFile(*h, temp, path);
  });
}

void ActionRunner::Remove(const Action& a) {
  Host* master = world_->leader();
  std::string path = PickCatalogPath(a);
  if (!master || path.empty())
    return Skip(a, "no master runs, or nothing to remove", std::string(kMasterName));
  Record(a, "", path);
  Result<CatalogEntry> result = master->running_master()->Remove(path);
  Log(a,
      path + (result.ok() ? ": tombstone v" + std::to_string(result->version)
                          : ": " + result.status().ToString()),
      master->name);
}

void ActionRunner::Partition(const Action& a) {
  std::vector<int> group_of(world_->hosts().size(), 0);
  std::string sides;
  for (size_t g = 0; g < a.groups.size(); ++g) {
    for (const std::string& name : a.groups[g]) {
      Host* host = world_->Find(name);
      if (host) group_of[static_cast<size_t>(host->index)] = static_cast<int>(g) + 1;
    }
  }
  if (a.groups.empty() && group_of.size() > 1) {  // a random cut; the master on side 0
    bool cut = false;
    for (size_t i = 1; i < group_of.size(); ++i) {
      group_of[i] = static_cast<int>(random_.Next() & 1);
      cut = cut || group_of[i] == 1;
    }
    // All heads: one host crosses, so that the cut cuts something.
    if (!cut) group_of[1 + UniformBelow(random_.Next(), group_of.size() - 1)] = 1;
  }
  Action done = a;
  done.groups.assign(1, {});
  std::vector<std::pair<std::string, int>> side_of;  // for the report
  for (const auto& host : world_->hosts()) {         // hosts not named stay on side 0
    int side = group_of[static_cast<size_t>(host->index)];
    sides += " " + host->name + ":" + std::to_string(side);
    side_of.emplace_back(host->name, side);
    if (a.groups.empty() && side == 1) done.groups[0].push_back(host->name);
  }
  if (a.groups.empty() && done.groups[0].empty()) {
    return Skip(a, "no host to cut off");
  }
  if (!a.groups.empty()) done.groups = a.groups;
  Log(a, "sides" + sides);
  if (RunRecord* record = world_->record())
    record->Partition(world_->loop().Now(), side_of);
  Record(done, "", "");
  world_->network().Partition(std::move(group_of));
  ScheduleUndo(a, ActionKind::kHeal, "");
}

void ActionRunner::MasterCrash(const Action& a) {
  const bool crash = a.kind == ActionKind::kMasterCrash;
  // Unnamed: the one that leads, or the only one; with several, a fault
  // hits a standby half the time (one down for long comes back behind the
  // log).
  Host* master = a.node.empty() ? world_->leader() : world_->Find(a.node);
  if (a.node.empty() && a.from_faults && world_->coordination() && (random_.Next() & 1))
    master = PickMaster();
  if (a.node.empty() && !master) master = world_->Find(kMasterName);
  if (master->up() != crash)
    return Skip(a, master->name + " is already " + (crash ? "down" : "up"), master->name);
  Log(a, master->name, master->name);
  Record(a, master->name, "");
  if (!crash) return world_->Start(*master);
  world_->Crash(*master);
  ScheduleUndo(a, ActionKind::kMasterRestart, master->name);
}

void ActionRunner::CoordinationFault(const Action& a) {
  SimCoordinationService* service = world_->coordination();
  if (!service) return Skip(a, "one master: no coordination service");
  if (a.kind == ActionKind::kCoordinationHeal) {
    service->Heal();
    Record(a, "", "");
    return Log(a, "");
  }
  if (a.kind == ActionKind::kCoordinationOutage) {
    service->SetAvailable(false);
    Log(a, "the coordination service answers no one");
    Record(a, "", "");
  } else {
    Host* leader = world_->leader();
    if (!leader) return Skip(a, "no master leads");
    service->SetReachable(leader->name, false);
    Log(a, leader->name + " cut off from the coordination service", leader->name);
    Record(a, "", "");
  }
  ScheduleUndo(a, ActionKind::kCoordinationHeal, "");
}

void ActionRunner::Spike(const Action& a) {
  Network& network = world_->network();
  Record(a, "", "");
  if (a.kind == ActionKind::kLossSpike) {
    network.SetLossSpike(a.loss);
    Log(a, "losing " + std::to_string(static_cast<int>(a.loss * 100)) + "% of messages");
  } else if (a.kind == ActionKind::kDelaySpike) {
    network.SetDelaySpike(a.delay);
    Log(a, "+" + FormatSeconds(a.delay) + " latency");
  } else {
    network.Calm();
    Log(a, "");
  }
  ScheduleUndo(a, ActionKind::kCalm, "");
}

void ActionRunner::DiskFull(const Action& a) {
  Host* host = PickNode(a, a.kind == ActionKind::kDiskFull || a.node.empty());
  if (!host) return Skip(a, "no such node");
  Record(a, host->name, "");
  bool full = a.kind == ActionKind::kDiskFull;
  uint64_t capacity =
      full ? std::max<uint64_t>(host->disk->used(), 1) : scenario_.disk_capacity;
  host->disk->set_capacity(capacity);
  Log(a, host->name + (full ? " (" + std::to_string(capacity) + " bytes)" : ""),
      host->name);
  ScheduleUndo(a, ActionKind::kDiskFree, host->name);
}

void ActionRunner::DiskStall(const Action& a) {
  Host* host = PickNode(a, true);
  if (!host) return Skip(a, "no such node");
  Record(a, host->name, "");
  const Duration lasts = a.undo_after.value_or(std::chrono::seconds(1));
  host->disk->Stall(world_->loop().Now() + lasts);
  Log(a, host->name + " for " + std::to_string(ToMillis(lasts)) + " ms", host->name);
}

void ActionRunner::Read(const Action& a) {
  Host* host = PickNode(a, true);
  std::string path = PickCatalogPath(a);
  if (!host || path.empty()) return Skip(a, "no node up or nothing recorded");
  Record(a, host->name, path);
  Log(a, host->name + " " + path + ": " + checkers_->safety().Read(*host, path),
      host->name);
}

Host* ActionRunner::PickNode(const Action& a, bool want_up) {
  if (!a.node.empty()) {  // a named node's disk can be hit while it is down
    Host* host = world_->Find(a.node);
    bool disk_only = a.kind == ActionKind::kDelete || a.kind == ActionKind::kCorrupt ||
                     a.kind == ActionKind::kWrite || a.kind == ActionKind::kModify ||
                     a.kind == ActionKind::kMove || a.kind == ActionKind::kSlowWrite ||
                     a.kind == ActionKind::kTempWrite ||
                     a.kind == ActionKind::kDiskFull || a.kind == ActionKind::kDiskFree ||
                     a.kind == ActionKind::kDiskStall;
    return host && (disk_only || host->up() == want_up) ? host : nullptr;
  }
  std::vector<Host*> eligible;
  for (const auto& host : world_->hosts()) {
    bool candidate = a.candidates.empty() ||
                     std::find(a.candidates.begin(), a.candidates.end(), host->name) !=
                         a.candidates.end();
    if (host->disk && host->up() == want_up && candidate) eligible.push_back(host.get());
  }
  if (eligible.empty()) return nullptr;
  return eligible[UniformBelow(random_.Next(), eligible.size())];
}

Host* ActionRunner::PickMaster() {
  std::vector<Host*> masters;
  for (const auto& host : world_->hosts()) {
    if (host->is_master) masters.push_back(host.get());
  }
  return masters[UniformBelow(random_.Next(), masters.size())];
}

std::string ActionRunner::PickFile(const Action& a, const Host& host) {
  if (!a.path.empty()) return a.path;
  const auto& files = host.disk->files();
  if (files.empty()) return {};
  auto it = files.begin();
  std::advance(it, static_cast<ptrdiff_t>(UniformBelow(random_.Next(), files.size())));
  return it->first;
}

std::string ActionRunner::PickCatalogPath(const Action& a) {
  if (!a.path.empty()) return a.path;
  const std::vector<std::string>& paths = checkers_->ledger().paths();
  if (paths.empty()) return {};
  // Probe from a random start for a live entry, so removes hit live files.
  size_t start = UniformBelow(random_.Next(), paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    const std::string& path = paths[(start + i) % paths.size()];
    if (!checkers_->ledger().Latest(path)->tombstone) return path;
  }
  return {};
}

BlobRef ActionRunner::Content(const Action& a, uint64_t size, SplitMix64& random) {
  if (a.content) return world_->blobs().Intern(*a.content);
  return RandomBytes(size, random);
}

BlobRef ActionRunner::RandomBytes(uint64_t size, SplitMix64& random) {
  std::string bytes(size, '\0');
  for (uint64_t i = 0; i < size; i += 8) {
    uint64_t word = random.Next();
    for (uint64_t j = i; j < i + 8 && j < size; ++j, word >>= 8) {
      bytes[j] = static_cast<char>(word & 0xff);
    }
  }
  return world_->blobs().Intern(std::move(bytes));
}

}  // namespace dds::sim
