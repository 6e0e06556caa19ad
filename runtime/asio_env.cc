// The Asio-based Env; see asio_env.h.
#include "runtime/asio_env.h"

#include <boost/asio/post.hpp>
#include <cstdlib>
#include <random>

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
                 FileStore* files)
    : io_(io),
      transport_(transport),
      meta_(meta),
      files_(files),
      start_(std::chrono::steady_clock::now()),
      random_(RandomSeed()) {
  transport_.set_delegate(this);
  meta_.set_on_begin([this] { boost::asio::post(io_, [this] { Commit(); }); });
}

AsioEnv::~AsioEnv() {
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
  transport_.Send(to, message);
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

void AsioEnv::Commit() {
  if (Status s = meta_.Commit(); !s.ok() && !failed_) {
    // The core already acted on the writes; carrying on would break its
    // durability assumption. Stop; the restart recovers from the last commit.
    Log("fatal: cannot commit metadata: " + s.ToString());
    failed_ = true;
    io_.stop();
  }
}

}  // namespace dds
