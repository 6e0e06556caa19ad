// Group commit off the event loop: what a batch of callbacks wrote is made
// durable on a thread of its own, and what waited for it is released after.
//
// A batch gathers the metadata written (SqliteMetaStore), the files
// published (PosixFileStore, through runtime/publish_journal.h), the
// messages that claim any of it (held, already framed) and the HTTP answers
// waiting on it (WhenDurable). A flush takes the batch on the loop (cheap:
// the writes move, the stages set aside are opened) and hands it to the
// flush thread, which makes the published data durable and commits the
// metadata, fsyncs included. The loop meanwhile goes on: heartbeats,
// requests and callbacks are answered while the disk works, and their
// writes gather in the next batch. When the flush thread is done, the loop
// renames the publishes into place and only then sends the held messages
// and runs the waiting answers. So no peer hears of a state that a crash
// could still undo, and core/env.h's "durable once the callback returns"
// holds for everything outside the process.
//
// One flush is in flight at a time: a batch that fills meanwhile waits for
// it and goes next, as one larger commit. Held messages leave in the order
// they were sent; a message to a peer that has one held waits behind it.
//
// A master that leads standbys (docs/ha.md) has a BatchLog: its flush
// appends each batch to the log first, and commits it locally, with the
// index the log reached (core/meta_log.h, kLogAppliedKey), only once the
// log has it. An append refused or failed fails the flush, which is fatal.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/types.h"
#include "runtime/batch_log.h"
#include "runtime/publish_journal.h"
#include "runtime/sqlite_meta_store.h"
#include "runtime/transport.h"

namespace dds {

// A batch is flushed once it holds this many callbacks or is this old, even
// if the loop has not run dry, so that a busy loop cannot hold messages back
// for long. Chosen, not tuned: in bench/cluster/bench.py the flush posted
// behind the queued handlers comes first.
inline constexpr int kMaxBatchCallbacks = 128;
inline constexpr std::chrono::milliseconds kMaxBatchDelay{5};
// A flush that takes this long is logged: the claims of its batch waited
// that long (the loop did not).
inline constexpr std::chrono::milliseconds kSlowFlush{100};

class GroupCommit {
 public:
  // `journal` is null for the master, which publishes no files; `log` is
  // null but for a master with standbys.
  GroupCommit(boost::asio::io_context& io, Transport& transport, SqliteMetaStore& meta,
              PublishJournal* journal, BatchLog* log = nullptr);
  // Waits for the flush in flight, if any, without releasing what it
  // carries (a clean stop calls FlushNow first).
  ~GroupCommit();
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Whether a message to `to` must be held: one to `to` is held already.
  bool Holds(const Address& to) const { return held_to_.contains(to); }
  // Sends `frame` to `to` once everything written so far is durable.
  void Hold(const Address& to, std::string frame);
  // Calls `done` once everything written so far is durable. Never, if that
  // flush fails (the process stops).
  void WhenDurable(std::function<void()> done);
  // The batch has something to flush: posts a flush behind the handlers
  // already queued, once per batch.
  void Schedule();
  // A callback into the core ended: the batch is flushed at once if it is
  // full or old.
  void CallbackEnded();
  // Makes everything written so far durable and releases what waited,
  // here and now (a clean stop).
  void FlushNow();
  // A flush failed: the io_context was stopped and what waited was dropped.
  bool failed() const { return failed_; }

 private:
  struct Flight;

  // Takes the batch and flushes it: on the flush thread, or with `here` on
  // this one. If a flush is in flight, the batch goes when it lands.
  void Launch(bool here);
  // Back on the loop, the flush thread done with the flight: finishes it
  // and releases what waited for it.
  void Land();
  // Stops the process: the writes the core acted on may be lost, and the
  // held messages claim them.
  void Fail(const Status& status);

  boost::asio::io_context& io_;
  Transport& transport_;
  SqliteMetaStore& meta_;
  PublishJournal* const journal_;
  BatchLog* const log_;
  // The batch being gathered.
  std::vector<std::pair<Address, std::string>> held_;
  std::vector<std::function<void()>> when_durable_;
  int batch_callbacks_ = 0;
  std::chrono::steady_clock::time_point batch_start_;
  bool posted_ = false;  // a flush is posted behind the queued handlers
  bool due_ = false;     // the batch goes as soon as the flight lands
  // Peers with a message held, in the batch or the flight, and how many.
  std::map<Address, size_t> held_to_;
  std::shared_ptr<Flight> flight_;  // the flush in flight
  bool failed_ = false;
  boost::asio::thread_pool flusher_{1};
};

}  // namespace dds
