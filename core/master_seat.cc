// One master of several; see master_seat.h.
#include "core/master_seat.h"

#include <algorithm>
#include <utility>

#include "core/master_keys.h"
#include "core/wire.h"

namespace dds {
namespace {

// Far from the Master's own timers (core/master.cc).
constexpr TimerId kFollowTimer = TimerId{1} << 40;
constexpr TimerId kTrimTimer = kFollowTimer + 1;

// In the first batch of a log that continues a catalog older than the log:
// that catalog's epoch (master_seat.h).
constexpr std::string_view kLogBaseKey = "replica/base";

std::optional<uint64_t> DecodeEpoch(std::string_view value) {
  Result<Cursor> cursor = DecodeRecord<Cursor>(value);
  if (!cursor.ok() || cursor->epoch == 0) return std::nullopt;
  return cursor->epoch;
}

// The epoch `batch` writes under `key`, if it writes one.
std::optional<uint64_t> EpochWritten(const MetaWrites& batch, std::string_view key) {
  auto it = batch.find(key);
  if (it == batch.end() || !it->second) return std::nullopt;
  return DecodeEpoch(*it->second);
}

}  // namespace

MasterSeat::MasterSeat(Env* env, Coordination* coordination, Coordination::Candidate self,
                       MasterOptions options, SeatOptions seat)
    : env_(env),
      coordination_(coordination),
      self_(std::move(self)),
      options_(options),
      seat_(seat) {}

void MasterSeat::Start() {
  Result<uint64_t> applied = LoadApplied(env_->Meta());
  if (!applied.ok()) {
    env_->Note("master " + self_.name + ": cannot read where its log stands: " +
               applied.status().ToString() + "; following no more");
    stuck_ = true;
    return;
  }
  assembler_ = BatchAssembler(*applied + 1);
  std::string epoch;
  if (env_->Meta().Get(kEpochKey, &epoch).ok()) epoch_ = DecodeEpoch(epoch);
  coordination_->BoundLog(seat_.max_log_bytes);
  coordination_->Campaign(
      self_, [this](uint64_t term) { OnElected(term); }, [this] { OnDeposed(); });
  RefreshLeader();
  ReadNext();
}

void MasterSeat::OnMessage(const Address& from, const Message& message) {
  if (master_) return master_->OnMessage(from, message);
  // A node looking for its master: one answer per ask.
  if (std::holds_alternative<Register>(message) ||
      std::holds_alternative<Heartbeat>(message)) {
    env_->Send(from, Pointer());
  }
}

NotLeader MasterSeat::Pointer() const {
  if (deposed_) return {};
  if (term_ != 0) return {self_.control, term_};  // elected, reading to the end
  if (leader_ && leader_->leader.name != self_.name)
    return {leader_->leader.control, leader_->term};
  return {};
}

void MasterSeat::RefreshLeader() {
  const Instant now = env_->Now();
  if (reading_leader_ ||
      (leader_read_at_ && now - *leader_read_at_ < seat_.leader_refresh))
    return;
  reading_leader_ = true;
  leader_read_at_ = now;
  coordination_->ReadLeader([this](Result<std::optional<Coordination::Leadership>> read) {
    reading_leader_ = false;
    if (read.ok()) leader_ = *read;
  });
}

void MasterSeat::OnTimer(TimerId id) {
  if (id == kFollowTimer) {
    RefreshLeader();
    ReportProgress();
    ReadNext();
  } else if (id == kTrimTimer) {
    ReportProgress();
    TrimApplied();
    if (master_) env_->SetTimer(kTrimTimer, seat_.trim_interval);
  } else if (master_) {
    master_->OnTimer(id);
  }
}

void MasterSeat::OnPeerLost(const Address& peer) {
  if (master_) master_->OnPeerLost(peer);
}

void MasterSeat::ReportProgress() {
  const Instant now = env_->Now();
  if (reporting_ || (looked_at_ && now - *looked_at_ < seat_.report_interval)) return;
  looked_at_ = now;
  const uint64_t report =
      std::exchange(to_report_, master_ ? coordination_->next_index() - 1 : applied());
  if (report <= reported_) return;
  reporting_ = true;
  coordination_->ReportApplied(self_.name, report, [this, report](Status s) {
    reporting_ = false;
    if (s.ok()) reported_ = report;
  });
}

void MasterSeat::TrimApplied() {
  if (trimming_ || !master_) return;
  trimming_ = true;
  coordination_->ReadLowestApplied([this](Result<std::optional<uint64_t>> lowest) {
    // Through what every master applied, or further if the log outgrew its
    // bound (a master that stays down must not fill etcd).
    const uint64_t applied_by_all = lowest.ok() ? lowest->value_or(0) : 0;
    const uint64_t fit = coordination_->span().FitThrough();
    // The newest record stays: an empty log is a new cluster's, where a new
    // master starts from nothing; one trimmed whole would look the same to
    // a master new to an old cluster, which would then lead on nothing.
    const uint64_t newest = coordination_->next_index() - 1;
    const uint64_t below_newest = newest == 0 ? 0 : newest - 1;  // an empty log
    const uint64_t through = std::min(std::max(applied_by_all, fit), below_newest);
    if (!lowest.ok() || through <= trimmed_ || !master_) {
      trimming_ = false;
      return;
    }
    coordination_->Trim(through, [this, through, past = fit > applied_by_all](Status s) {
      trimming_ = false;
      if (!s.ok()) return;
      trimmed_ = through;
      coordination_->span().Forget(through);
      env_->Note("master " + self_.name + ": log trimmed through " +
                 std::to_string(through) +
                 (past ? ", past what every master applied: the log outgrew its bound, "
                         "and a master behind copies the catalog"
                       : ""));
    });
  });
}

void MasterSeat::ReadNext() {
  if (reading_ || stuck_ || deposed_ || master_) return;
  reading_ = true;
  coordination_->Read(
      assembler_.next_index(), seat_.read_bytes,
      [this](Result<std::vector<LogRecord>> records) { OnRead(std::move(records)); });
}

void MasterSeat::OnRead(Result<std::vector<LogRecord>> records) {
  reading_ = false;
  if (deposed_ || master_) return;
  if (!records.ok()) {
    // Unreachable for now: try again, elected or not.
    env_->SetTimer(kFollowTimer, seat_.follow_interval);
    return;
  }
  if (!records->empty() && records->front().index > assembler_.next_index()) {
    return FallBehind("its next record, " + std::to_string(assembler_.next_index()) +
                      ", was trimmed from the log (which starts at " +
                      std::to_string(records->front().index) + ")");
  }
  for (const LogRecord& record : *records) {
    coordination_->span().Add(record);
    const uint64_t applied_before = applied();
    Result<std::optional<MetaWrites>> batch = assembler_.Add(record);
    Status s = batch.ok() ? Status::Ok() : batch.status();
    if (s.ok() && *batch && !Continues(**batch)) {
      assembler_ = BatchAssembler(applied_before + 1);  // not applied, nor reported
      return;
    }
    if (s.ok() && *batch) s = ApplyBatch(**batch, env_->Meta());
    if (s.ok() && *batch) s = SaveApplied(env_->Meta(), assembler_.complete_through());
    if (!s.ok()) {
      env_->Note("master " + self_.name +
                 ": the log cannot be followed: " + s.ToString());
      stuck_ = true;
      return;
    }
  }
  if (!records->empty()) return ReadNext();  // there may be more
  // At the end of the log. Elected, it is ours now; else look again later.
  if (term_ != 0) return Lead();
  env_->SetTimer(kFollowTimer, seat_.follow_interval);
}

bool MasterSeat::Continues(const MetaWrites& batch) {
  const std::optional<uint64_t> base = EpochWritten(batch, kLogBaseKey);
  const std::optional<uint64_t> named = base ? base : EpochWritten(batch, kEpochKey);
  if (!named || epoch_ == named) return true;
  if (epoch_) {
    env_->Note(
        "master " + self_.name + ": its catalog (epoch " + std::to_string(*epoch_) +
        ") is not the one this log continues (epoch " + std::to_string(*named) +
        "): another cluster's state dir, or the wrong --etcd-prefix? Following "
        "no more; start it with an empty state dir to copy this cluster's catalog");
    stuck_ = true;
    return false;
  }
  if (base) {
    FallBehind("the log continues a catalog older than the log (epoch " +
               std::to_string(*base) + ")");
    return false;
  }
  epoch_ = named;  // a new cluster's first batch
  return true;
}

void MasterSeat::FallBehind(const std::string& why) {
  env_->Note("master " + self_.name + ": " + why +
             "; it needs a copy of the leader's catalog");
  stuck_ = true;
  behind_ = true;
  if (on_behind_) on_behind_();
}

void MasterSeat::OnElected(uint64_t term) {
  if (stuck_) {
    // It will not lead on a catalog it knows is incomplete: another may.
    env_->Note("master " + self_.name + ": elected, term " + std::to_string(term) +
               ", but its log is incomplete; resigning");
    coordination_->Resign();
    return;
  }
  term_ = term;
  env_->Note("master " + self_.name + ": elected, term " + std::to_string(term) +
             "; reading the log to its end");
  env_->CancelTimer(kFollowTimer);
  ReadNext();  // or the read in flight goes on to the end
}

void MasterSeat::Lead() {
  // The records of a batch its predecessor left unfinished stay where they
  // are; this term's batches go after them, and followers drop them.
  coordination_->Lead(term_, assembler_.next_index());
  if (applied() == 0 && epoch_) {
    // The first leader of a log with no whole batch, over a catalog from
    // before the log (a single master converted): its first batch names that
    // catalog, so that a master without it copies it rather than follow the
    // log alone.
    Status s = env_->Meta().Put(kLogBaseKey, EncodeRecord(Cursor{*epoch_, 0}));
    if (!s.ok())
      env_->Note("master " + self_.name +
                 ": cannot write the log's base: " + s.ToString());
  }
  MasterOptions options = options_;
  options.incarnation = term_;
  options.term = term_;
  master_ = std::make_unique<Master>(env_, options);
  master_->set_observer(observer_);
  env_->Note("master " + self_.name + ": leading, term " + std::to_string(term_) +
             ", the log applied through " + std::to_string(applied()));
  master_->Start();
  env_->SetTimer(kTrimTimer, seat_.trim_interval);
}

void MasterSeat::OnDeposed() {
  deposed_ = true;
  coordination_->Depose();
  master_.reset();
  env_->CancelTimer(kFollowTimer);
  env_->CancelTimer(kTrimTimer);
  env_->Note("master " + self_.name + ": deposed (term " + std::to_string(term_) +
             "); restart it to stand by again");
  if (on_deposed_) on_deposed_();
}

}  // namespace dds
