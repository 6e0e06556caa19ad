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
// Durability: callbacks share a flush (runtime/group_commit.h, and
// docs/runtime.md for the argument). The MetaStore's writes gather in a
// batch, Publish leaves its fsyncs and rename to the flush, and every
// message that could claim something stored is held back, with whatever
// follows it to the same peer, until the flush that makes it durable has
// landed. The flush runs on a thread of its own, so the loop never waits
// for the disk's fsyncs. So no peer hears of a state that a crash could
// still undo: core/env.h's "durable once the callback returns" holds for
// everything outside the process.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/env.h"
#include "core/random.h"
#include "runtime/disk_workers.h"
#include "runtime/group_commit.h"
#include "runtime/posix_file_store.h"
#include "runtime/publish_journal.h"
#include "runtime/sqlite_meta_store.h"
#include "runtime/transport.h"

namespace dds {

// Threads hashing a node's new and changed files: two keep the disk busy
// while one hashes a large file (the core bounds how many it starts,
// NodeOptions::max_hashes_in_flight).
inline constexpr unsigned kDiskWorkerThreads = 2;

class AsioEnv final : public Env, public Transport::Delegate {
 public:
  // `files` is null for the master (core/env.h: Files() is for nodes only);
  // `log` is null but for a master with standbys (runtime/batch_log.h).
  // The Env installs itself as the transport's delegate.
  AsioEnv(boost::asio::io_context& io, Transport& transport, SqliteMetaStore& meta,
          PosixFileStore* files, BatchLog* log = nullptr);
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
    commit_.CallbackEnded();
  }
  // Changes whenever a callback into the core starts or ends, and only then.
  // What the core answered while the epoch read e still holds while it reads
  // e: nothing could have changed the core's mind in between. Any thread may
  // read it.
  uint64_t epoch() const { return epoch_.load(std::memory_order_acquire); }
  // Calls `done` once everything written so far is durable. Never, if that
  // flush fails (the process stops). HTTP handlers answer a state change
  // from it.
  void WhenDurable(std::function<void()> done) { commit_.WhenDurable(std::move(done)); }
  // Makes everything written so far durable, here and now, then releases
  // the held messages (a clean stop). A failure is fatal: the io_context
  // stops, the held messages are dropped, and failed() turns true.
  void Flush() { commit_.FlushNow(); }
  bool failed() const { return commit_.failed(); }
  const Transport& transport() const { return transport_; }

  // Env.
  Instant Now() const override;
  void SetTimer(TimerId id, Duration delay) override;
  void CancelTimer(TimerId id) override;
  // Held until what was written so far is durable, unless it claims nothing
  // durable (a request or file data) and nothing is held for `to` yet.
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

  boost::asio::io_context& io_;
  Transport& transport_;
  SqliteMetaStore& meta_;
  PosixFileStore* const files_;
  const std::unique_ptr<PublishJournal> journal_;  // for a node
  GroupCommit commit_;
  Process* process_ = nullptr;
  const std::chrono::steady_clock::time_point start_;
  std::map<TimerId, Timer> timers_;
  SplitMix64 random_;
  std::atomic<uint64_t> epoch_{0};
  // A node's background disk work (FileStore::HashInBackground and the
  // like). Last: it goes first, joining its threads while everything they
  // deliver to is still here.
  std::unique_ptr<DiskWorkers> workers_;
};

}  // namespace dds
