// dds::Env on one boost::asio::io_context: the runtime's world.
//
// Threading model: single-threaded. The io_context runs on one thread and
// every call into the hosted Process (messages, timers, peer loss, file
// events, and anything an HTTP handler asks of the core) is made from that
// thread through Call(), one at a time, each running to completion.
//
// Durability: Call() commits the MetaStore transaction after the callback
// returns, which is what core/env.h promises ("a successful Put is durable
// once the current Process callback returns"). Messages the callback sent
// are only written to sockets after that commit (the transport posts its
// writes), so no peer hears of a decision that a crash could still undo.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/env.h"
#include "core/random.h"
#include "runtime/sqlite_meta_store.h"
#include "runtime/transport.h"

namespace dds {

class AsioEnv final : public Env, public Transport::Delegate {
 public:
  // `files` is null for the master (core/env.h: Files() is for nodes only).
  // The Env installs itself as the transport's delegate.
  AsioEnv(boost::asio::io_context& io, Transport& transport, SqliteMetaStore& meta,
          FileStore* files);
  ~AsioEnv() override;
  AsioEnv(const AsioEnv&) = delete;
  AsioEnv& operator=(const AsioEnv&) = delete;

  // The Process this Env drives; callbacks are dropped while it is null.
  void set_process(Process* process) { process_ = process; }

  // Runs `fn` as one callback into the core, then commits what it wrote. A
  // failed commit is fatal: the io_context stops and failed() turns true.
  template <typename F>
  void Call(F&& fn) {
    std::forward<F>(fn)();
    Commit();
  }
  bool failed() const { return failed_; }

  // Env.
  Instant Now() const override;
  void SetTimer(TimerId id, Duration delay) override;
  void CancelTimer(TimerId id) override;
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

  void Commit();

  boost::asio::io_context& io_;
  Transport& transport_;
  SqliteMetaStore& meta_;
  FileStore* const files_;
  Process* process_ = nullptr;
  const std::chrono::steady_clock::time_point start_;
  std::map<TimerId, Timer> timers_;
  SplitMix64 random_;
  bool failed_ = false;
};

}  // namespace dds
