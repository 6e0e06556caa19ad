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
                 PosixFileStore* files)
    : io_(io),
      transport_(transport),
      meta_(meta),
      files_(files),
      journal_(files ? std::make_unique<PublishJournal>(meta, *files) : nullptr),
      start_(std::chrono::steady_clock::now()),
      random_(RandomSeed()) {
  transport_.set_delegate(this);
  // A write outside Call (an HTTP handler calling Master::Remove) is
  // committed by the flush this schedules.
  meta_.set_on_begin([this] { ScheduleFlush(); });
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
  if (ClaimsNothing(message) && !held_to_.contains(to)) {
    transport_.Send(to, message);
    return;
  }
  Result<std::string> frame = FrameMessage(message);
  if (!frame.ok()) {
    Log("not sent to " + to + ": " + frame.status().ToString());
    return;
  }
  held_to_.insert(to);
  held_.emplace_back(to, std::move(frame).value());
  ScheduleFlush();
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

void AsioEnv::WhenDurable(std::function<void()> done) {
  when_durable_.push_back(std::move(done));
  ScheduleFlush();
}

void AsioEnv::ScheduleFlush() {
  if (flush_posted_) return;
  flush_posted_ = true;
  batch_start_ = std::chrono::steady_clock::now();
  boost::asio::post(io_, [this] {
    flush_posted_ = false;
    Flush();
  });
}

void AsioEnv::EndCallback() {
  ScheduleFlush();
  if (++batch_callbacks_ >= kMaxBatchCallbacks ||
      std::chrono::steady_clock::now() - batch_start_ >= kMaxBatchDelay) {
    Flush();
  }
}

void AsioEnv::Flush() {
  if (failed_) return;
  batch_callbacks_ = 0;
  batch_start_ = std::chrono::steady_clock::now();
  // A node's publishes go with its commit (runtime/publish_journal.h).
  Status s = journal_ ? journal_->Flush() : meta_.Commit();
  // The loop waits for the flush: a slow one is a stall everyone sees
  // (bench/cluster/bench.py counts them).
  const auto took = std::chrono::steady_clock::now() - batch_start_;
  if (took >= kSlowFlush) {
    Log("slow flush: " +
        std::to_string(
            std::chrono::duration_cast<std::chrono::milliseconds>(took).count()) +
        " ms");
  }
  if (!s.ok()) {
    // The core already acted on the writes; carrying on would break its
    // durability assumption, and the held messages claim what may be lost.
    // Stop; the restart recovers from the last commit.
    Log("fatal: cannot make the metadata durable: " + s.ToString());
    failed_ = true;
    held_.clear();
    held_to_.clear();
    when_durable_.clear();
    io_.stop();
    return;
  }
  held_to_.clear();
  for (auto& [to, frame] : std::exchange(held_, {})) {
    transport_.SendFrame(to, std::move(frame));
  }
  for (auto& done : std::exchange(when_durable_, {})) done();
}

}  // namespace dds
