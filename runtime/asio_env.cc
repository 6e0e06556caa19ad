// The Asio-based Env; see asio_env.h.
#include "runtime/asio_env.h"

#include <boost/asio/post.hpp>
#include <cstdlib>
#include <random>
#include <utility>

#include "runtime/frame.h"
#include "runtime/log.h"

namespace dds {
namespace {

// The runtime may be nondeterministic; only the simulator must not be.
uint64_t RandomSeed() {
  std::random_device device;
  return (uint64_t{device()} << 32) ^ device();
}

}  // namespace

AsioEnv::AsioEnv(boost::asio::io_context& io, Transport& transport, SqliteMetaStore& meta,
                 PosixFileStore* files, BatchLog* log)
    : io_(io),
      transport_(transport),
      meta_(meta),
      files_(files),
      journal_(files ? std::make_unique<PublishJournal>(meta, *files) : nullptr),
      commit_(io, transport, meta, journal_.get(), log),
      start_(std::chrono::steady_clock::now()),
      random_(RandomSeed()) {
  transport_.set_delegate(this);
  // A write outside Call (an HTTP handler calling Master::Remove) is
  // committed by the flush this schedules.
  meta_.set_on_begin([this] { commit_.Schedule(); });
  if (files_ != nullptr) {
    workers_ = std::make_unique<DiskWorkers>(io_, kDiskWorkerThreads,
                                             [this](const std::function<void()>& then) {
                                               Call([&] {
                                                 if (process_) then();
                                               });
                                             });
    files_->set_workers(workers_.get());
  }
}

AsioEnv::~AsioEnv() {
  if (files_ != nullptr) files_->set_workers(nullptr);
  workers_.reset();
  transport_.set_delegate(nullptr);
  meta_.set_on_begin(nullptr);
}

Instant AsioEnv::Now() const {
  return Instant(
      std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - start_));
}

void AsioEnv::SetTimer(TimerId id, Duration delay) {
  Timer& slot = timers_.try_emplace(id, io_).first->second;
  const uint64_t generation = ++slot.generation;
  slot.timer.expires_after(delay);
  slot.timer.async_wait([this, id, generation](boost::system::error_code ec) {
    if (ec) return;  // cancelled, or the Env is being destroyed: touch nothing
    auto it = timers_.find(id);
    if (it == timers_.end() || it->second.generation != generation) return;
    Call([&] {
      if (process_) process_->OnTimer(id);
    });
  });
}

void AsioEnv::CancelTimer(TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  ++it->second.generation;
  it->second.timer.cancel();
}

void AsioEnv::Send(const Address& to, const Message& message) {
  // Behind a held message it waits too: order per destination is kept.
  if (ClaimsNothing(message) && !commit_.Holds(to)) {
    transport_.Send(to, message);
    return;
  }
  Result<std::string> frame = FrameMessage(message);
  if (!frame.ok()) {
    Log("not sent to " + to + ": " + frame.status().ToString());
    return;
  }
  commit_.Hold(to, std::move(frame).value());
}

FileStore& AsioEnv::Files() {
  // A master asking for files is a programming error in the host's wiring.
  if (files_ == nullptr) {
    Log("fatal: Env::Files() called on a process without a data dir");
    std::abort();
  }
  return *files_;
}

void AsioEnv::Note(std::string_view line) { Log(line); }

void AsioEnv::OnMessages(const std::string& from, std::vector<Message> messages) {
  Call([&] {
    if (!process_) return;
    for (const Message& message : messages) process_->OnMessage(from, message);
  });
}

void AsioEnv::OnPeerLost(const std::string& peer) {
  Call([&] {
    if (process_) process_->OnPeerLost(peer);
  });
}

}  // namespace dds
