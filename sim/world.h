// The simulated cluster: machines (the masters and the nodes), each with its
// durable state (disk, metadata) and, while it is up, its Process and Env.
//
// One master stands alone, its writes durable at once. Several share a
// SimCoordinationService (the etcd cluster): each runs a MasterSeat, whose
// Env batches like a node's; the flush appends a leader's batch to the
// service's log before committing it, as the runtime's does (docs/ha.md),
// and a master whose flush fails, or that is deposed, exits and is
// restarted a moment later, as by its supervisor.
//
// The World owns the network, creates processes, crashes
// and restarts them, and applies the scenario's disk faults. It does not
// decide anything: the scenario runner (sim/runner.h) says what happens and
// when, and the checkers (sim/checkers/) watch through WorldObserver.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/master.h"
#include "core/master_seat.h"
#include "core/node.h"
#include "core/random.h"
#include "sim/blob.h"
#include "sim/coverage.h"
#include "sim/event_loop.h"
#include "sim/mem_meta.h"
#include "sim/network.h"
#include "sim/scenario.h"
#include "sim/sim_coordination.h"
#include "sim/sim_disk.h"
#include "sim/trace.h"

namespace dds::sim {

class RunRecord;
class SimEnv;

inline constexpr std::string_view kMasterName = "master";

// A master's catalog records (and inferred versions), as its Master makes
// them: handed on to the checkers at once if its writes are durable at once,
// else at the flush that makes them durable (a crash before it drops them),
// so that the checkers see what a master acknowledged, never what a crash
// undid.
class RecordsToFlush final : public CatalogObserver {
 public:
  void OnRecorded(const CatalogEntry& entry) override;
  void OnInferred(const std::string& path, uint64_t version, const Digest& hash) override;
  void OnMarkedDown(const std::string& node) override;
  void set_out(CatalogObserver* out, bool held) {
    out_ = out;
    held_ = held;
  }
  // The flush landed: the records go on.
  void Flushed();
  // A crash: they never happened.
  void Drop() { records_.clear(); }

 private:
  CatalogObserver* out_ = nullptr;
  bool held_ = false;
  struct Held {
    CatalogEntry entry;  // an inferred version: its path, version and hash
    bool inferred = false;
  };
  // Held until the flush, or passed on at once.
  void Take(Held held);
  void Pass(const Held& held);

  std::vector<Held> records_;
};

// One simulated machine. Its disk, metadata and random stream survive
// crashes; `env` and `process` exist only while it is up.
struct Host {
  int index = 0;
  std::string name;
  bool is_master = false;
  std::unique_ptr<SimDisk> disk;  // nodes only
  MemMetaStore meta;
  SplitMix64 random{0};
  uint64_t starts = 0;  // how many times it has been started; tags its timers
  std::unique_ptr<SimEnv> env;
  std::unique_ptr<Process> process;
  // A crash waits for the node's next flush with publishes and lands in
  // its window (World::CrashInPublishWindow).
  bool crash_armed = false;
  Node* node = nullptr;        // `process` seen as a Node, while up
  Master* master = nullptr;    // `process` seen as the Master, while up (a lone master)
  MasterSeat* seat = nullptr;  // `process` seen as a seat, while up (several masters)
  std::unique_ptr<SimCoordination> coordination;  // the seat's, while up
  RecordsToFlush records;                         // masters only
  NodeOptions node_options;                       // nodes only
  // kUnloggedBatches is a leader's flush that skips the log. Else nodes
  // only; kRenameBeforeCommit is the flush in the runtime's order
  // before the publish journal (runtime/publish_journal.h): renames made
  // before the commit that records them, so a crash between them leaves
  // files the node has no record of.
  TestFault fault = TestFault::kNone;
  // Until when its loop is blocked in disk operations (SimDisk::TakeBusy);
  // the callbacks due meanwhile wait in `backlog`, in order, as events
  // queue up behind a blocked runtime loop.
  Instant busy_until{};
  std::deque<std::function<void()>> backlog;
  uint64_t drains = 0;  // tags the scheduled drain of the backlog

  bool up() const { return process != nullptr; }
  // Its Master, while it runs one: a lone master while up, one of several
  // while it leads.
  Master* running_master() const { return seat ? seat->master() : master; }
  // Whether its Env batches writes and holds messages until a flush (a
  // node, or one of several masters), rather than make them durable at once.
  bool batched() const { return disk != nullptr || coordination != nullptr; }
};

// What the checkers see of the world beyond the disks.
class WorldObserver : public DiskObserver, public CatalogObserver {
 public:
  // The host came up (after Start) or went down (after its crash).
  virtual void OnHostChanged(const Host& host) = 0;
  // `node` obeyed a message of `master`, sent while it led as `term`
  // (several masters only).
  virtual void OnObeyed(const std::string& node, const std::string& master,
                        uint64_t term) = 0;
};

// How long a node's batch stays open before its flush (sim_env.h): about
// what the runtime's fsyncs take.
inline constexpr Duration kFlushDelay = std::chrono::milliseconds(1);

struct WorldOptions {
  uint64_t seed = 1;
  NetworkOptions network;
  MasterOptions master;
  NodeOptions node;  // defaults for every node; name and addresses are set per node
  // Several masters: the leader's lease (Scenario::lease_ttl).
  Duration lease_ttl = std::chrono::seconds(3);
  uint64_t max_log_bytes = kMaxLogBytes;
};

// Several masters: how long the coordination service takes to answer, and
// how often it looks at its leases.
inline constexpr Duration kCoordinationLatency = std::chrono::milliseconds(2);
inline constexpr Duration kCoordinationTick = std::chrono::milliseconds(100);
// How long a master that exited stays down before its supervisor starts it.
inline constexpr Duration kSupervisorDelay = std::chrono::seconds(1);

class World final : private Endpoints {
 public:
  // `loop`, `trace` and `observer` must outlive the World.
  World(WorldOptions options, EventLoop* loop, Trace* trace, WorldObserver* observer);
  ~World() override;
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  EventLoop& loop() { return *loop_; }
  const EventLoop& loop() const { return *loop_; }
  Network& network() { return network_; }
  Trace& trace() { return *trace_; }
  // What a report draws (sim/run_record.h); null unless one was asked for.
  void set_record(RunRecord* record) { record_ = record; }
  RunRecord* record() { return record_; }
  BlobPool& blobs() { return blobs_; }

  // Creates a master's machine (not started); with `masters` of them in all,
  // several share the coordination service. Before any node.
  Host& AddMaster(const std::string& name, uint64_t masters,
                  TestFault fault = TestFault::kNone);
  // Creates a node's machine with an empty disk (not started).
  Host& AddNode(const std::string& name, TestFault fault = TestFault::kNone);
  void Start(Host& host);
  // A crash before the batch's flush: the node's unflushed writes and
  // publishes are lost, its held messages never leave.
  void Crash(Host& host);
  // Arms a crash that lands in the node's next flush with publishes, once
  // its records are committed and before its renames (or, with
  // kRenameBeforeCommit, the other way round); a plain crash after
  // `longest` if no such flush comes.
  void CrashInPublishWindow(Host& host, Duration longest);
  // Crashes that landed in a publish window so far.
  uint64_t publish_window_crashes() const { return publish_window_crashes_; }
  // Moments and effects counted as they happen (sim/coverage.h); the run
  // adds the rest at its end.
  Coverage& coverage() { return coverage_; }

  Host* Find(std::string_view name);
  // The master running a Master: the only one while up, else the one that
  // leads (of the highest term, should two believe they do); null if none.
  Host* leader() const;
  // Several masters: the service they share; null for a lone master.
  SimCoordinationService* coordination() { return coordination_.get(); }
  const std::vector<std::unique_ptr<Host>>& hosts() const { return hosts_; }

  // The node hears of a change at `path`, as from inotify.
  void FileEvent(Host& host, const std::string& path);
  // Scenario writes a file on a node's disk (created or replaced) and the
  // node hears of it at once, as from inotify.
  void WriteFile(Host& host, const std::string& path, BlobRef content);
  // The same write done in place, as `open(O_TRUNC)` then `write`: the node
  // hears of the truncated file, and the bytes land while it hashes it, after
  // it took the size (SimDisk::WriteDuringNextHash); then it hears again.
  void WriteInPlace(Host& host, const std::string& path, BlobRef content);
  // Scenario deletes a file from a node's disk; the node hears of it.
  bool DeleteFile(Host& host, const std::string& path);
  // A rename on the host's disk (the content moves; the node hears of both
  // paths, as inotify tells of both halves).
  bool MoveFile(Host& host, const std::string& from, const std::string& to);
  // Scenario flips bytes of a file, keeping size and mtime; no file event.
  // `where` picks the byte (modulo the size). False for a missing or empty file.
  bool CorruptFile(Host& host, const std::string& path, uint64_t where);

  // Runs `call` into the host's process now or, while its loop is busy
  // (Host::busy_until), after everything due before it; then charges the
  // time its disk operations took. Dropped if the process goes down first.
  template <typename F>
  void CallInto(Host& host, F&& call) {
    if (Busy(host)) {
      Defer(host, std::function<void()>(std::forward<F>(call)));
    } else {
      call();
      Charge(host);
    }
  }

  // For SimEnv.
  void SendFrom(Host& from, const Address& to, const Message& message);
  void FireTimer(Host& host, uint64_t starts, TimerId id, uint64_t generation);
  void ScheduleFlush(Host& host);

 private:
  // Endpoints.
  bool IsUp(int host) const override;
  const std::string& NameOf(int host) const override;
  void Deliver(int to, int from, const Message& message) override;
  void PeerLost(int host, int peer) override;
  // A message into `host`'s process; the checkers hear if a node obeyed a
  // master of `term` (0: a lone master's, not watched).
  void Handle(Host& host, const Host& sender, uint64_t term, const Message& message);

  Host& NewHost(std::string_view name);
  bool Busy(const Host& host) const {
    return !host.backlog.empty() || loop_->Now() < host.busy_until;
  }
  void Defer(Host& host, std::function<void()> call);
  void Drain(Host& host, uint64_t starts, uint64_t drain);
  void Charge(Host& host);
  // The flush of a batch, kFlushDelay after it opened.
  void Flush(Host& host, uint64_t starts);
  // A leading master's part of its flush: its batch into the log. False if
  // the log would not take it (the master then exits).
  bool LogBatch(Host& host);
  // A master's process as its Env (several masters: a seat).
  void StartMaster(Host& host);
  // The process exits (a master deposed, or whose flush failed, or behind
  // the log: then over a copy of `copy_from`'s catalog) and its supervisor
  // starts it again kSupervisorDelay later.
  void Exit(Host& host, std::string_view why, const Host* copy_from = nullptr);
  void TickCoordination();
  uint64_t StreamSeed(std::string_view name) const;
  void Say(const Host& host, std::string_view what);

  const WorldOptions options_;
  EventLoop* const loop_;
  Trace* const trace_;
  WorldObserver* const observer_;
  RunRecord* record_ = nullptr;
  BlobPool blobs_;
  Network network_;
  std::vector<std::unique_ptr<Host>> hosts_;  // the masters first
  std::vector<std::string> master_names_;
  std::unique_ptr<SimCoordinationService> coordination_;  // several masters
  uint64_t publish_window_crashes_ = 0;
  Coverage coverage_;
  // Looked up on every message sent, never walked: hashed.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view name) const {
      return std::hash<std::string_view>{}(name);
    }
  };
  std::unordered_map<std::string, int, NameHash, std::equal_to<>> by_name_;
};

}  // namespace dds::sim
