// Executes scenario actions; see actions.h.
#include "sim/actions.h"

#include <algorithm>
#include <cstdio>

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
      random_(Fnv1a64("actions", seed)) {
  for (const Action& a : scenario.actions) {
    if (a.kind == ActionKind::kAddNode && !a.node.empty()) reserved_names_.insert(a.node);
  }
}

void ActionRunner::BuildCluster() {
  world_->AddMaster();
  for (uint64_t i = 1; i <= scenario_.nodes; ++i) {
    std::string name = NodeName(i);
    auto fault = scenario_.test_faults.find(name);
    world_->AddNode(
        name, fault == scenario_.test_faults.end() ? TestFault::kNone : fault->second);
  }
  PlaceWorkload();
  for (const auto& host : world_->hosts()) world_->Start(*host);
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
    BlobRef blob = RandomBytes(w.size_min +
                               UniformBelow(random_.Next(), w.size_max - w.size_min + 1));
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
      return Log(a, "");
    case ActionKind::kMasterCrash:
    case ActionKind::kMasterRestart:
      return MasterCrash(a);
    case ActionKind::kRead:
      return Read(a);
  }
}

void ActionRunner::Log(const Action& a, const std::string& what) {
  world_->trace().Notable(world_->loop().Now(), std::string(ActionName(a.kind)) +
                                                    (what.empty() ? "" : " " + what));
}

void ActionRunner::AddNode(const Action& a) {
  std::string name = a.node.empty() ? NewNodeName() : a.node;
  if (world_->Find(name)) return Log(a, name + ": skipped, it already exists");
  auto fault = scenario_.test_faults.find(name);
  Host& host = world_->AddNode(
      name, fault == scenario_.test_faults.end() ? TestFault::kNone : fault->second);
  Log(a, name);
  world_->Start(host);
}

std::string ActionRunner::NewNodeName() {
  for (uint64_t i = world_->hosts().size();; ++i) {
    std::string name = NodeName(i);
    if (!world_->Find(name) && !reserved_names_.contains(name)) return name;
  }
}

void ActionRunner::Crash(const Action& a) {
  Host* host = PickNode(a, true);
  if (!host) return Log(a, "skipped: no node is up");
  Log(a, host->name);
  world_->Crash(*host);
  if (!a.undo_after) return;
  Action restart = a;
  restart.kind = ActionKind::kRestart;
  restart.node = host->name;
  world_->loop().After(*a.undo_after, [this, restart] { Execute(restart); });
}

void ActionRunner::Restart(const Action& a) {
  Host* host = PickNode(a, false);
  if (!host) return Log(a, "skipped: no node is down");
  Log(a, host->name);
  world_->Start(*host);
}

void ActionRunner::Delete(const Action& a) {
  Host* host = PickNode(a, true);
  std::string path = host ? PickFile(a, *host) : "";
  if (path.empty() || !world_->DeleteFile(*host, path)) {
    return Log(a, "skipped: no such file");
  }
  Log(a, host->name + " " + path);
}

void ActionRunner::Corrupt(const Action& a) {
  Host* host = PickNode(a, true);
  std::string path = host ? PickFile(a, *host) : "";
  if (path.empty() || !world_->CorruptFile(*host, path, random_.Next())) {
    return Log(a, "skipped: no such file, or it is empty");
  }
  Log(a, host->name + " " + path + " (silently)");
}

void ActionRunner::Write(const Action& a) {
  Host* host = PickNode(a, true);
  if (!host) return Log(a, "skipped: no node");
  std::string path = a.kind == ActionKind::kModify ? PickFile(a, *host) : a.path;
  const SimDisk::File* old = path.empty() ? nullptr : host->disk->Find(path);
  if (a.kind == ActionKind::kModify && !old) return Log(a, "skipped: no such file");
  if (path.empty()) path = "gen/w" + std::to_string(next_file_++) + ".bin";
  BlobRef blob = Content(a, old ? old->blob->bytes.size() : scenario_.file_size);
  Log(a, host->name + " " + path + " (" + std::to_string(blob->bytes.size()) +
             " bytes, " + blob->digest.ShortHex() + ")");
  checkers_->OnScenarioWrite(path, blob->digest);
  world_->WriteFile(*host, path, std::move(blob));
}

void ActionRunner::Remove(const Action& a) {
  Host& master = world_->master();
  std::string path = PickCatalogPath(a);
  if (!master.master || path.empty())
    return Log(a, "skipped: master down or nothing to remove");
  Result<CatalogEntry> result = master.master->Remove(path);
  Log(a, path + (result.ok() ? ": tombstone v" + std::to_string(result->version)
                             : ": " + result.status().ToString()));
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
  if (a.groups.empty()) {  // a random cut; the master stays on side 0
    for (size_t i = 1; i < group_of.size(); ++i)
      group_of[i] = static_cast<int>(random_.Next() & 1);
  }
  for (const auto& host : world_->hosts()) {  // hosts not named stay on side 0
    sides += " " + host->name + ":" +
             std::to_string(group_of[static_cast<size_t>(host->index)]);
  }
  Log(a, "sides" + sides);
  world_->network().Partition(std::move(group_of));
  if (!a.undo_after) return;
  Action heal = a;
  heal.kind = ActionKind::kHeal;
  world_->loop().After(*a.undo_after, [this, heal] { Execute(heal); });
}

void ActionRunner::MasterCrash(const Action& a) {
  Host& master = world_->master();
  bool crash = a.kind == ActionKind::kMasterCrash;
  if (master.up() != crash)
    return Log(a, "skipped: the master is already " + std::string(crash ? "down" : "up"));
  Log(a, "");
  if (!crash) return world_->Start(master);
  world_->Crash(master);
  if (!a.undo_after) return;
  Action restart = a;
  restart.kind = ActionKind::kMasterRestart;
  world_->loop().After(*a.undo_after, [this, restart] { Execute(restart); });
}

void ActionRunner::Read(const Action& a) {
  Host* host = PickNode(a, true);
  std::string path = PickCatalogPath(a);
  if (!host || path.empty()) return Log(a, "skipped: no node up or nothing recorded");
  Log(a, host->name + " " + path + ": " + checkers_->safety().Read(*host, path));
}

Host* ActionRunner::PickNode(const Action& a, bool want_up) {
  if (!a.node.empty()) {  // a named node's disk can be hit while it is down
    Host* host = world_->Find(a.node);
    bool disk_only = a.kind == ActionKind::kDelete || a.kind == ActionKind::kCorrupt ||
                     a.kind == ActionKind::kWrite || a.kind == ActionKind::kModify;
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

BlobRef ActionRunner::Content(const Action& a, uint64_t default_size) {
  if (a.content) return world_->blobs().Intern(*a.content);
  return RandomBytes(a.size.value_or(default_size));
}

BlobRef ActionRunner::RandomBytes(uint64_t size) {
  std::string bytes(size, '\0');
  for (uint64_t i = 0; i < size; i += 8) {
    uint64_t word = random_.Next();
    for (uint64_t j = i; j < i + 8 && j < size; ++j, word >>= 8) {
      bytes[j] = static_cast<char>(word & 0xff);
    }
  }
  return world_->blobs().Intern(std::move(bytes));
}

}  // namespace dds::sim
