// dds::Env on one boost::asio::io_context: the runtime's world.
//
// Threading model: single-threaded. The io_context runs on one thread and
// every call into the hosted Process (messages, timers, peer loss, file
// events, background work coming back, and anything an HTTP handler asks
// of the core) is made from that thread through Call(), one at a time, each
// running to completion. Two exceptions: a node's background disk work runs
// on its disk workers (runtime/disk_workers.h), on fds and nothing else;
// and epoch() is read by HTTP threads (runtime/http/file_cache.h).
//
// Durability (group commit; docs/runtime.md has the argument): callbacks
// share a flush. The MetaStore transaction stays open across a batch,
// Publish leaves its fsyncs and rename to the flush, and every message that
// could claim something stored is held back, with whatever follows it to
// the same peer. Flush() makes the published data durable, commits the
// metadata with an intent per publish, renames the publishes into place
// (runtime/publish_journal.h), and only then hands the held messages to the
// transport. It runs
// once the io_context has worked through the handlers queued when the batch
// began (a posted handler), or inline after kMaxBatchCallbacks callbacks or
// kMaxBatchDelay, whichever comes first. So no peer hears of a state that a
// crash could still undo: core/env.h's "durable once the callback returns"
// holds for everything outside the process.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/env.h"
#include "core/random.h"
#include "runtime/disk_workers.h"
#include "runtime/posix_file_store.h"
#include "runtime/publish_journal.h"
#include "runtime/sqlite_meta_store.h"
#include "runtime/transport.h"

namespace dds {

// A batch is flushed inline once it holds this many callbacks or is this old,
// so a loop that never runs dry cannot hold messages back for long. Chosen,
// not tuned: in bench/cluster/bench.py the posted flush comes first.
inline constexpr int kMaxBatchCallbacks = 128;
inline constexpr std::chrono::milliseconds kMaxBatchDelay{5};
// A flush that takes this long is logged: the loop waited for it.
inline constexpr std::chrono::milliseconds kSlowFlush{100};
// Threads hashing a node's new and changed files: two keep the disk busy
// while one hashes a large file (the core bounds how many it starts,
// NodeOptions::max_hashes_in_flight).
inline constexpr unsigned kDiskWorkerThreads = 2;

class AsioEnv final : public Env, public Transport::Delegate {
 public:
  // `files` is null for the master (core/env.h: Files() is for nodes only).
  // The Env installs itself as the transport's delegate.
  AsioEnv(boost::asio::io_context& io, Transport& transport, SqliteMetaStore& meta,
          PosixFileStore* files);
  ~AsioEnv() override;
  AsioEnv(const AsioEnv&) = delete;
  AsioEnv& operator=(const AsioEnv&) = delete;

  // For a node, before its process starts: finishes the publishes a crash
  // interrupted after their commit (PublishJournal::Recover).
  Status RecoverPublishes() { return journal_ ? journal_->Recover() : Status::Ok(); }

  // The Process this Env drives; callbacks are dropped while it is null.
  void set_process(Process* process) { process_ = process; }

  // Runs `fn` as one callback into the core, in the current batch.
  template <typename F>
  void Call(F&& fn) {
    epoch_.fetch_add(1, std::memory_order_release);
    std::forward<F>(fn)();
    epoch_.fetch_add(1, std::memory_order_release);
    EndCallback();
  }
  // Changes whenever a callback into the core starts or ends, and only then.
  // What the core answered while the epoch read e still holds while it reads
  // e: nothing could have changed the core's mind in between. Any thread may
  // read it.
  uint64_t epoch() const { return epoch_.load(std::memory_order_acquire); }
  // Calls `done` once everything written so far is durable: at the end of
  // the next flush (scheduled now if none is). Never, if that flush fails
  // (the process stops). HTTP handlers answer a state change from it.
  void WhenDurable(std::function<void()> done);
  // Makes everything written so far durable, then releases the held
  // messages. A failure is fatal: the io_context stops, the held messages
  // are dropped, and failed() turns true.
  void Flush();
  bool failed() const { return failed_; }
  const Transport& transport() const { return transport_; }

  // Env.
  Instant Now() const override;
  void SetTimer(TimerId id, Duration delay) override;
  void CancelTimer(TimerId id) override;
  // Held until the next Flush(), unless it claims nothing durable (a request
  // or file data) and nothing is held for `to` yet.
  void Send(const Address& to, const Message& message) override;
  FileStore& Files() override;
  MetaStore& Meta() override { return meta_; }
  uint64_t Random() override { return random_.Next(); }
  void Note(std::string_view line) override;

  // Transport::Delegate.
  void OnMessages(const std::string& from, std::vector<Message> messages) override;
  void OnPeerLost(const std::string& peer) override;

 private:
  struct Timer {
    explicit Timer(boost::asio::io_context& io) : timer(io) {}
    boost::asio::steady_timer timer;
    // Bumped on every set and cancel, so a wait that already completed (its
    // handler queued) cannot fire for a timer that was reset meanwhile.
    uint64_t generation = 0;
  };

  // Posts a flush behind the handlers already queued, once per batch.
  void ScheduleFlush();
  // Flushes inline when the batch is full or old, else schedules a flush.
  void EndCallback();

  boost::asio::io_context& io_;
  Transport& transport_;
  SqliteMetaStore& meta_;
  PosixFileStore* const files_;
  const std::unique_ptr<PublishJournal> journal_;  // for a node
  Process* process_ = nullptr;
  const std::chrono::steady_clock::time_point start_;
  std::map<TimerId, Timer> timers_;
  SplitMix64 random_;
  // The current batch: messages held back (already framed), callbacks run,
  // and when it began (the flush was posted).
  std::vector<std::pair<Address, std::string>> held_;
  std::set<Address> held_to_;
  std::vector<std::function<void()>> when_durable_;  // until the next flush
  int batch_callbacks_ = 0;
  std::chrono::steady_clock::time_point batch_start_;
  bool flush_posted_ = false;
  bool failed_ = false;
  std::atomic<uint64_t> epoch_{0};
  // A node's background disk work (FileStore::HashInBackground and the
  // like). Last: it goes first, joining its threads while everything they
  // deliver to is still here.
  std::unique_ptr<DiskWorkers> workers_;
};

}  // namespace dds
