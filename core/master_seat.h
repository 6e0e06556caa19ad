// One of several `dds master` processes sharing a coordination service
// (docs/ha.md): a standby that follows the leader's log into its own
// MetaStore and campaigns; once elected, it reads the log to its end and
// leads: a Master over that same MetaStore, whose incarnation is the term.
//
// A standby holds the whole catalog, durably (the batches it applied, and
// the index of the last record of the last whole one, in one flush), but
// runs no Master: taking over costs what a restart of the master costs, the
// load of its catalog. Records it cannot make sense of (a gap, an older
// term, a batch that does not decode) stop it following, loudly: it will
// not lead on a catalog it knows is incomplete.
//
// A seat whose next record was trimmed away (a master down while the log
// outgrew its bound, or new after trims) is behind: it follows no more and
// asks for a copy of the leader's catalog (set_on_behind); the process then
// starts again over the copy, and follows from where the copy stands.
//
// The log continues one catalog, named by its epoch (core/master_keys.h).
// The first batch says which: a new cluster's first leader writes the
// epoch of its new state; a master that held a catalog before the log
// began (a single master converted, docs/ha.md) writes `replica/base`, its
// catalog's epoch, into its first batch as leader. A seat with no catalog
// of its own follows the first and copies the second (the log alone does
// not hold that catalog); a seat whose catalog has another epoch follows
// neither: it is another cluster's, and it will not mix the two.
//
// Deposed, the seat drops its Master and stays inert: its current batch
// cannot reach the log any more (the append is fenced), so the process is
// to restart and stand by again (the runtime exits; the simulator restarts
// it).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "core/coordination.h"
#include "core/env.h"
#include "core/master.h"
#include "core/meta_log.h"

namespace dds {

struct SeatOptions {
  // How often a standby looks for records past the end of the log.
  Duration follow_interval = std::chrono::milliseconds(100);
  // About how many bytes of records one read asks for.
  size_t read_bytes = 4 << 20;
  // How often a standby reads who leads, to point nodes there.
  Duration leader_refresh = std::chrono::seconds(1);
  // How often each master reports how far it has applied the log. A report
  // names what was applied one interval before, durable by then.
  Duration report_interval = std::chrono::seconds(1);
  // How often the leader trims the log up to the lowest report.
  Duration trim_interval = std::chrono::seconds(10);
  // About the most the log may hold: past it the leader trims anyway, and
  // a master left behind copies the catalog (Coordination::span).
  uint64_t max_log_bytes = kMaxLogBytes;
};

class MasterSeat final : public Process {
 public:
  MasterSeat(Env* env, Coordination* coordination, Coordination::Candidate self,
             MasterOptions options, SeatOptions seat = {});

  // Process: loads the applied index, campaigns and follows.
  void Start() override;
  // A leader's Master gets everything; a standby answers a node looking for
  // its master with NotLeader, naming the leader it knows.
  void OnMessage(const Address& from, const Message& message) override;
  void OnTimer(TimerId id) override;
  void OnPeerLost(const Address& peer) override;

  // The Master, once leading; null while standing by or after deposed.
  Master* master() const { return master_.get(); }
  // The index of the last record of the last whole batch applied.
  uint64_t applied() const { return assembler_.complete_through(); }
  bool deposed() const { return deposed_; }
  // Set when the log made no sense, or was trimmed past it (behind): the
  // seat follows no more.
  bool stuck() const { return stuck_; }
  bool behind() const { return behind_; }
  // The leader as last read (refreshed every `leader_refresh` while standing
  // by); none if unknown.
  const std::optional<Coordination::Leadership>& leader() const { return leader_; }
  // The term it was elected for (0: never elected); kept once deposed, as
  // the term its messages in flight were sent in.
  uint64_t term() const { return term_; }
  // Handed to its Master once it leads (Master::set_observer).
  void set_observer(CatalogObserver* observer) { observer_ = observer; }
  // Runs once deposed (the runtime exits, to come back as a standby).
  void set_on_deposed(std::function<void()> on_deposed) {
    on_deposed_ = std::move(on_deposed);
  }
  // Runs once behind: the catalog is to be copied from the leader (the
  // runtime over HTTP, the simulator directly) and the process restarted.
  void set_on_behind(std::function<void()> on_behind) {
    on_behind_ = std::move(on_behind);
  }

 private:
  void ReadNext();
  // Reads who leads, if not read for a while.
  void RefreshLeader();
  // Reports how far this master had applied the log an interval ago.
  void ReportProgress();
  // The leader: forgets the records every master has applied.
  void TrimApplied();
  // What a standby tells a node about the leader.
  NotLeader Pointer() const;
  void OnRead(Result<std::vector<LogRecord>> records);
  // The catalog to follow is not in the log (`why`): it needs a copy.
  void FallBehind(const std::string& why);
  // Whether `batch` continues this seat's catalog; if it does not, the seat
  // is behind or stuck (Notes why) and false.
  bool Continues(const MetaWrites& batch);
  void OnElected(uint64_t term);
  void OnDeposed();
  // The log read to its end after winning: the Master starts.
  void Lead();

  Env* const env_;
  Coordination* const coordination_;
  const Coordination::Candidate self_;
  const MasterOptions options_;
  const SeatOptions seat_;
  BatchAssembler assembler_{1};
  uint64_t term_ = 0;  // once elected
  // The epoch of the catalog in its MetaStore; none while it holds none.
  std::optional<uint64_t> epoch_;
  bool reading_ = false;  // a Read is in flight
  // The leader as last read, and when (a read in flight: reading_leader_).
  std::optional<Coordination::Leadership> leader_;
  std::optional<Instant> leader_read_at_;
  bool reading_leader_ = false;
  std::function<void()> on_deposed_;
  std::function<void()> on_behind_;
  CatalogObserver* observer_ = nullptr;
  // Progress reports: what was reported, what is to be next (applied when
  // last looked), and when it was looked at.
  uint64_t reported_ = 0;
  uint64_t to_report_ = 0;
  std::optional<Instant> looked_at_;
  bool reporting_ = false;
  bool trimming_ = false;
  uint64_t trimmed_ = 0;  // the leader's last trim went through this index
  bool deposed_ = false;
  bool stuck_ = false;
  bool behind_ = false;
  std::unique_ptr<Master> master_;
};

}  // namespace dds
