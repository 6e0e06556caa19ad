// Group commit off the event loop; see group_commit.h.
#include "runtime/group_commit.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include "runtime/log.h"

namespace dds {

// One batch on its way to disk. The flush thread reads `files` and `meta`
// and sets `result`; everything else belongs to the loop.
struct GroupCommit::Flight {
  std::optional<PosixFileStore::PublishBatch> files;
  std::optional<std::vector<LogRecord>> records;  // for the log, first
  std::shared_ptr<const SqliteMetaStore::Batch> meta;
  std::vector<std::pair<Address, std::string>> held;
  std::vector<std::function<void()>> when_durable;
  std::chrono::steady_clock::time_point start;
  std::promise<Status> done;
  std::future<Status> result = done.get_future();

  bool NothingToSync() const {
    return !meta && (!files || (files->intents.empty() && files->dirs.empty()));
  }
  // The data, then the log, then the records that name it.
  Status Sync(SqliteMetaStore& store, BatchLog* log) const {
    if (files) {
      if (Status s = PosixFileStore::SyncPublishBatch(*files); !s.ok()) return s;
    }
    if (records) {
      Result<bool> appended = log->AppendNow(*records);
      if (!appended.ok()) return appended.status();
      if (!*appended)
        return Status::IOError("the log refused the batch: no longer the leader");
    }
    return meta ? store.CommitBatch(*meta) : Status::Ok();
  }
};

GroupCommit::GroupCommit(boost::asio::io_context& io, Transport& transport,
                         SqliteMetaStore& meta, PublishJournal* journal, BatchLog* log)
    : io_(io), transport_(transport), meta_(meta), journal_(journal), log_(log) {}

GroupCommit::~GroupCommit() { flusher_.join(); }

void GroupCommit::Hold(const Address& to, std::string frame) {
  ++held_to_[to];
  held_.emplace_back(to, std::move(frame));
  Schedule();
}

void GroupCommit::WhenDurable(std::function<void()> done) {
  when_durable_.push_back(std::move(done));
  Schedule();
}

void GroupCommit::Schedule() {
  if (posted_) return;
  posted_ = true;
  batch_start_ = std::chrono::steady_clock::now();
  boost::asio::post(io_, [this] {
    posted_ = false;
    Launch(/*here=*/false);
  });
}

void GroupCommit::CallbackEnded() {
  Schedule();
  if (++batch_callbacks_ >= kMaxBatchCallbacks ||
      std::chrono::steady_clock::now() - batch_start_ >= kMaxBatchDelay) {
    Launch(/*here=*/false);
  }
}

void GroupCommit::FlushNow() {
  if (flight_) {
    due_ = false;  // the batch goes below, from here
    flight_->result.wait();
    Land();
  }
  Launch(/*here=*/true);
}

void GroupCommit::Launch(bool here) {
  if (failed_) return;
  if (flight_) {
    due_ = true;
    return;
  }
  due_ = false;
  batch_callbacks_ = 0;
  batch_start_ = std::chrono::steady_clock::now();
  auto flight = std::make_shared<Flight>();
  if (journal_) {
    Result<PosixFileStore::PublishBatch> files = journal_->Begin();
    if (!files.ok()) return Fail(files.status());
    flight->files = std::move(*files);
  }
  if (log_ && meta_.has_writes()) {
    Result<std::optional<std::vector<LogRecord>>> records = log_->Cut(meta_.pending());
    if (!records.ok()) return Fail(records.status());
    flight->records = std::move(*records);
    // Committed with the batch, not logged: where this master's log stands.
    if (flight->records) SaveApplied(meta_, flight->records->back().index);
  }
  flight->meta = meta_.TakeBatch();
  flight->held = std::exchange(held_, {});
  flight->when_durable = std::exchange(when_durable_, {});
  flight->start = batch_start_;
  flight_ = flight;
  if (here || flight->NothingToSync()) {
    flight->done.set_value(flight->Sync(meta_, log_));
    return Land();
  }
  // The io_context has work while a flush is out: its run() waits for it.
  boost::asio::post(flusher_, [this, flight, busy = boost::asio::make_work_guard(io_)] {
    flight->done.set_value(flight->Sync(meta_, log_));
    // A flight this object no longer holds (landed by FlushNow, or the
    // object gone) is not landed again.
    boost::asio::post(io_, [this, landing = std::weak_ptr<Flight>(flight)] {
      if (auto f = landing.lock(); f && f == flight_) Land();
    });
  });
}

void GroupCommit::Land() {
  const std::shared_ptr<Flight> flight = std::exchange(flight_, nullptr);
  Status s = flight->result.get();
  meta_.CommitDone();
  if (s.ok() && flight->files) s = journal_->Finish(*flight->files);
  if (!s.ok()) return Fail(s);
  const auto took = std::chrono::steady_clock::now() - flight->start;
  if (took >= kSlowFlush) {
    Log("slow flush: " +
        std::to_string(
            std::chrono::duration_cast<std::chrono::milliseconds>(took).count()) +
        " ms");
  }
  for (auto& [to, frame] : flight->held) {
    if (auto it = held_to_.find(to); it != held_to_.end() && --it->second == 0) {
      held_to_.erase(it);
    }
    transport_.SendFrame(to, std::move(frame));
  }
  for (auto& done : flight->when_durable) done();
  if (due_) Launch(/*here=*/false);
}

void GroupCommit::Fail(const Status& status) {
  Log("fatal: cannot make the metadata durable: " + status.ToString());
  failed_ = true;
  held_.clear();
  held_to_.clear();
  when_durable_.clear();
  io_.stop();
}

}  // namespace dds
