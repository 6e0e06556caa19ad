// The simulated cluster; see world.h.
#include "sim/world.h"

#include <utility>

#include "core/check.h"
#include "sim/run_record.h"
#include "sim/sim_env.h"

namespace dds::sim {

void RecordsToFlush::OnRecorded(const CatalogEntry& entry) { Take({entry, false}); }

void RecordsToFlush::OnInferred(const std::string& path, uint64_t version,
                                const Digest& hash) {
  Take({CatalogEntry{path, version, hash, 0, false, "", 0, {}}, true});
}

void RecordsToFlush::Take(Held held) {
  if (held_) {
    records_.push_back(std::move(held));
  } else {
    Pass(held);
  }
}

void RecordsToFlush::OnMarkedDown(const std::string& node) { out_->OnMarkedDown(node); }

void RecordsToFlush::Flushed() {
  for (const Held& held : std::exchange(records_, {})) Pass(held);
}

void RecordsToFlush::Pass(const Held& held) {
  if (held.inferred) {
    out_->OnInferred(held.entry.path, held.entry.version, held.entry.hash);
  } else {
    out_->OnRecorded(held.entry);
  }
}

World::World(WorldOptions options, EventLoop* loop, Trace* trace, WorldObserver* observer)
    : options_(std::move(options)),
      loop_(loop),
      trace_(trace),
      observer_(observer),
      network_(loop, trace, StreamSeed("network"), options_.network, this) {}

World::~World() {
  // Processes first: they hold Envs that point into the hosts.
  for (auto& host : hosts_) {
    host->process.reset();
    host->coordination.reset();  // before the service it is attached to
    host->env.reset();
  }
}

Host& World::AddMaster(const std::string& name, uint64_t masters, TestFault fault) {
  DDS_CHECK(hosts_.size() == master_names_.size());  // before any node
  Host& host = NewHost(name);
  host.is_master = true;
  host.fault = fault;
  master_names_.push_back(name);
  host.records.set_out(observer_, masters > 1);
  if (masters > 1 && !coordination_) {
    coordination_ = std::make_unique<SimCoordinationService>(options_.lease_ttl);
    TickCoordination();
  }
  return host;
}

void World::TickCoordination() {
  coordination_->Tick(loop_->Now());
  loop_->After(kCoordinationTick, [this] { TickCoordination(); });
}

Host& World::AddNode(const std::string& name, TestFault fault) {
  Host& host = NewHost(name);
  host.disk = std::make_unique<SimDisk>(name, loop_, &blobs_, observer_);
  host.disk->set_deliver([this, target = &host](std::function<void()> call) {
    CallInto(*target, std::move(call));
  });
  host.node_options = options_.node;
  host.node_options.name = name;
  host.node_options.http_url = "http://" + name + ":8080";
  host.node_options.masters = master_names_;
  host.fault = fault;
  switch (fault) {
    case TestFault::kCorruptPublish:
      host.disk->set_lie(SimDisk::Lie::kCorruptPublishes);
      break;
    case TestFault::kHideDeletions:
      host.disk->set_lie(SimDisk::Lie::kHideDeletions);
      break;
    case TestFault::kKeepRemoved:
      host.disk->set_lie(SimDisk::Lie::kKeepRemoved);
      break;
    case TestFault::kHashInline:
      host.disk->set_lie(SimDisk::Lie::kHashInline);
      break;
    case TestFault::kLeakState: {
      // State that outlives a run, as a global or the wall clock would: the
      // node draws differently on every run in this process.
      static uint64_t runs = 0;
      host.random = SplitMix64(StreamSeed(name) ^ ++runs);
      break;
    }
    case TestFault::kNone:
    case TestFault::kRenameBeforeCommit:
    case TestFault::kUnloggedBatches:
      break;
  }
  return host;
}

Host& World::NewHost(std::string_view name) {
  auto host = std::make_unique<Host>();
  host->index = static_cast<int>(hosts_.size());
  host->name = std::string(name);
  host->random = SplitMix64(StreamSeed(name));
  by_name_.emplace(host->name, host->index);
  hosts_.push_back(std::move(host));
  return *hosts_.back();
}

void World::Start(Host& host) {
  DDS_CHECK(!host.up());
  ++host.starts;
  host.env = std::make_unique<SimEnv>(this, &host);
  if (host.is_master) {
    StartMaster(host);
  } else {
    SimEnv* env = host.env.get();
    host.meta.set_on_begin([env] { env->OpenBatch(); });
    host.disk->set_on_publish([env] { env->OpenBatch(); });
    auto node = std::make_unique<Node>(host.env.get(), host.node_options);
    host.node = node.get();
    host.process = std::move(node);
  }
  Say(host, "up");
  if (record_) record_->Up(loop_->Now(), host.name);
  if (host.disk) host.disk->set_online(true);
  observer_->OnHostChanged(host);
  host.process->Start();
  Charge(host);
}

void World::StartMaster(Host& host) {
  MasterOptions options = options_.master;
  options.incarnation = host.starts;
  if (!coordination_) {
    auto master = std::make_unique<Master>(host.env.get(), options);
    master->set_observer(&host.records);
    host.master = master.get();
    host.process = std::move(master);
    return;
  }
  SimEnv* env = host.env.get();
  host.meta.set_on_begin([env] { env->OpenBatch(); });
  Host* target = &host;
  const uint64_t starts = host.starts;
  host.coordination = std::make_unique<SimCoordination>(
      *coordination_, host.name, [this, target, starts](std::function<void()> answer) {
        loop_->After(kCoordinationLatency, [this, target, starts, answer] {
          if (target->starts == starts && target->up()) CallInto(*target, answer);
        });
      });
  auto seat = std::make_unique<MasterSeat>(
      env, host.coordination.get(),
      Coordination::Candidate{host.name, host.name, "http://" + host.name + ":8080"},
      options, SeatOptions{.max_log_bytes = options_.max_log_bytes});
  seat->set_observer(&host.records);
  // Not from within the seat's own call: the process is destroyed.
  seat->set_on_deposed([this, target, starts] {
    loop_->After(Duration::zero(), [this, target, starts] {
      if (target->starts == starts && target->up()) Exit(*target, "deposed");
    });
  });
  // The copy the runtime fetches over HTTP, taken directly (whatever the
  // network between them); with no leader, it tries again at its restart.
  seat->set_on_behind([this, target, starts] {
    loop_->After(Duration::zero(), [this, target, starts] {
      if (target->starts != starts || !target->up()) return;
      const Host* from = leader();
      Exit(*target,
           from ? "copies the catalog from " + from->name
                : "no leader to copy the catalog from",
           from);
    });
  });
  host.seat = seat.get();
  host.process = std::move(seat);
}

void World::Exit(Host& host, std::string_view why, const Host* copy_from) {
  Say(host, "exits: " + std::string(why));
  ++coverage_.moments[std::string(kMasterExited)];
  Crash(host);
  if (copy_from) {
    host.meta.CopyCommitted(copy_from->meta);
    ++coverage_.moments[std::string(kCatalogCopied)];
  }
  Host* target = &host;
  const uint64_t starts = host.starts;
  loop_->After(kSupervisorDelay, [this, target, starts] {
    if (target->starts == starts && !target->up()) Start(*target);
  });
}

Host* World::leader() const {
  Host* leader = nullptr;
  uint64_t term = 0;
  for (size_t i = 0; i < master_names_.size(); ++i) {  // the masters come first
    Host& host = *hosts_[i];
    if (host.running_master() == nullptr) continue;
    const uint64_t its = host.seat ? host.seat->term() : 0;
    if (leader == nullptr || its > term) {
      leader = &host;
      term = its;
    }
  }
  return leader;
}

void World::Crash(Host& host) {
  DDS_CHECK(host.up());
  Say(host, "down");
  if (record_) record_->Down(loop_->Now(), host.name);
  host.crash_armed = false;
  if (host.batched()) host.meta.Rollback();
  if (host.disk) host.disk->LosePublishes();
  host.records.Drop();
  network_.BreakAll(host.index);
  host.backlog.clear();
  host.busy_until = loop_->Now();
  ++host.drains;
  host.process.reset();
  host.coordination.reset();  // after the seat that uses it
  host.env.reset();
  host.node = nullptr;
  host.master = nullptr;
  host.seat = nullptr;
  if (host.disk) host.disk->set_online(false);
  observer_->OnHostChanged(host);
}

void World::ScheduleFlush(Host& host) {
  Host* target = &host;
  const uint64_t starts = host.starts;
  loop_->After(kFlushDelay, [this, target, starts] { Flush(*target, starts); });
}

void World::Flush(Host& host, uint64_t starts) {
  if (host.starts != starts || !host.up()) return;
  if (host.coordination) {
    if (!LogBatch(host)) return;
    host.meta.Commit();
    host.records.Flushed();
    host.env->Release();
    return;
  }
  if (host.crash_armed && host.disk->publishes_pending()) {
    // The crash lands between the commit and the renames: the publish
    // journal finishes the renames at the next start, so all of the batch
    // stays. With the old order the renames were made and the commit never
    // happened.
    if (host.fault != TestFault::kRenameBeforeCommit) host.meta.Commit();
    host.disk->FlushPublishes();
    ++publish_window_crashes_;
    Say(host, "crashes in the publish window");
    Crash(host);
    return;
  }
  host.disk->FlushPublishes();
  host.meta.Commit();
  host.env->Release();
}

bool World::LogBatch(Host& host) {
  Result<std::optional<std::vector<LogRecord>>> records =
      host.coordination->CutNext(host.meta.Pending());
  Status s = records.status();
  if (s.ok() && *records) {
    // Committed with the batch, not logged: where this master's log stands.
    s = SaveApplied(host.meta, (*records)->back().index);
    const bool skip = host.fault == TestFault::kUnloggedBatches;
    Result<bool> appended = !s.ok() ? Result<bool>(s)
                            : skip  ? Result<bool>(true)
                                    : host.coordination->AppendNow(std::move(**records));
    s = !appended.ok() ? appended.status()
        : *appended    ? Status::Ok()
                       : Status::IOError("the log refused it: another term leads");
  }
  if (s.ok()) return true;
  Exit(host, "its batch cannot be logged: " + s.ToString());
  return false;
}

void World::CrashInPublishWindow(Host& host, Duration longest) {
  host.crash_armed = true;
  Host* target = &host;
  const uint64_t starts = host.starts;
  loop_->After(longest, [this, target, starts] {
    if (target->starts == starts && target->up() && target->crash_armed) Crash(*target);
  });
}

void World::Say(const Host& host, std::string_view what) {
  trace_->Notable(loop_->Now(),
                  host.name + " " + std::string(what) +
                      (host.starts > 1 ? " (start " + std::to_string(host.starts) + ")"
                                       : std::string()));
}

Host* World::Find(std::string_view name) {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : hosts_[static_cast<size_t>(it->second)].get();
}

void World::FileEvent(Host& host, const std::string& path) {
  if (host.node) CallInto(host, [&host, path] { host.node->OnFileEvent(path); });
}

void World::WriteFile(Host& host, const std::string& path, BlobRef content) {
  host.disk->WriteFile(path, std::move(content));
  FileEvent(host, path);
}

void World::WriteInPlace(Host& host, const std::string& path, BlobRef content) {
  host.disk->WriteFile(path, blobs_.Intern(std::string()));
  host.disk->WriteDuringNextHash(path, std::move(content));
  FileEvent(host, path);
  host.disk->LandRacingWrite(path);
  FileEvent(host, path);
}

bool World::DeleteFile(Host& host, const std::string& path) {
  if (!host.disk->DeleteFile(path)) return false;
  FileEvent(host, path);
  return true;
}

bool World::MoveFile(Host& host, const std::string& from, const std::string& to) {
  const SimDisk::File* file = host.disk->Find(from);
  if (file == nullptr) return false;
  BlobRef blob = file->blob;
  host.disk->WriteFile(to, std::move(blob));
  host.disk->DeleteFile(from);
  FileEvent(host, from);
  FileEvent(host, to);
  return true;
}

bool World::CorruptFile(Host& host, const std::string& path, uint64_t where) {
  const SimDisk::File* file = host.disk->Find(path);
  if (!file || file->blob->bytes.empty()) return false;
  std::string bytes = file->blob->bytes;
  bytes[where % bytes.size()] ^= static_cast<char>(0x5a);
  return host.disk->CorruptFile(path, blobs_.Intern(std::move(bytes)));
}

void World::SendFrom(Host& from, const Address& to, const Message& message) {
  auto it = by_name_.find(to);
  if (it == by_name_.end()) {
    if (trace_->wanted()) {
      trace_->Event(loop_->Now(), "drop " + from.name + "->" + to + " " +
                                      MessageName(message) + " (unknown address)");
    }
    return;
  }
  network_.Send(from.index, it->second, message);
}

void World::FireTimer(Host& host, uint64_t starts, TimerId id, uint64_t generation) {
  if (host.starts != starts || !host.up() || !host.env->Claim(id, generation)) return;
  if (trace_->wanted()) {
    trace_->Event(loop_->Now(), "timer " + host.name + " " + std::to_string(id));
  }
  CallInto(host, [&host, id] { host.process->OnTimer(id); });
}

bool World::IsUp(int host) const { return hosts_[static_cast<size_t>(host)]->up(); }

const std::string& World::NameOf(int host) const {
  return hosts_[static_cast<size_t>(host)]->name;
}

void World::Deliver(int to, int from, const Message& message) {
  Host& host = *hosts_[static_cast<size_t>(to)];
  const Host& sender = *hosts_[static_cast<size_t>(from)];
  // The term it was sent in: the sender's now, since a restart would have
  // broken the connection it came by.
  const uint64_t term = sender.seat ? sender.seat->term() : 0;
  if (Busy(host)) {  // Copied only then: most messages find the loop free.
    Defer(host,
          [this, &host, &sender, term, message] { Handle(host, sender, term, message); });
    return;
  }
  Handle(host, sender, term, message);
  Charge(host);
}

void World::Handle(Host& host, const Host& sender, uint64_t term,
                   const Message& message) {
  const bool watched = term != 0 && host.node && FromMaster(message) &&
                       !std::holds_alternative<NotLeader>(message) &&
                       host.node->master() == sender.name;
  host.process->OnMessage(sender.name, message);
  if (watched && host.node->master() == sender.name)
    observer_->OnObeyed(host.name, sender.name, term);
}

void World::PeerLost(int host, int peer) {
  Host& target = *hosts_[static_cast<size_t>(host)];
  CallInto(target, [this, &target, peer] { target.process->OnPeerLost(NameOf(peer)); });
}

void World::Defer(Host& host, std::function<void()> call) {
  host.backlog.push_back(std::move(call));
  if (host.backlog.size() > 1) return;  // A drain is scheduled already.
  Host* target = &host;
  const uint64_t starts = host.starts;
  const uint64_t drain = ++host.drains;
  loop_->At(std::max(loop_->Now(), host.busy_until),
            [this, target, starts, drain] { Drain(*target, starts, drain); });
}

void World::Drain(Host& host, uint64_t starts, uint64_t drain) {
  if (host.starts != starts || host.drains != drain) return;
  while (!host.backlog.empty()) {
    if (loop_->Now() < host.busy_until) {
      Host* target = &host;
      const uint64_t next = ++host.drains;
      loop_->At(host.busy_until,
                [this, target, starts, next] { Drain(*target, starts, next); });
      return;
    }
    std::function<void()> call = std::move(host.backlog.front());
    host.backlog.pop_front();
    call();
    Charge(host);
  }
}

void World::Charge(Host& host) {
  if (host.disk == nullptr) return;
  const Duration busy = host.disk->TakeBusy();
  if (busy > Duration::zero()) host.busy_until = loop_->Now() + busy;
}

uint64_t World::StreamSeed(std::string_view name) const {
  // Independent streams per purpose, all fixed by the scenario seed.
  SplitMix64 mix(Fnv1a64(name, options_.seed));
  return mix.Next();
}

}  // namespace dds::sim
