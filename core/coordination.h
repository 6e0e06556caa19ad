// The coordination service standby masters rest on (docs/ha.md): an
// election with terms and leases, and the catalog log (core/meta_log.h).
// etcd implements it in the runtime (runtime/etcd/), a simulated service in
// the simulator (sim/sim_coordination.h); the same contract tests run
// against both.
//
// Like the Env, it is asynchronous and single-threaded from the process's
// side: a call returns at once, and its answer comes later as a callback
// into the process, never from within the call; never, if the process
// stops first. An answer the service could not give (unreachable,
// unavailable) is an IOError; the caller retries when it sees fit.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "core/meta_log.h"
#include "core/status.h"
#include "core/types.h"

namespace dds {

class Coordination {
 public:
  // A master, as the election key names it.
  struct Candidate {
    std::string name;
    Address control;       // where nodes reach it
    std::string http_url;  // where users reach it
    template <typename S>
    static auto Tie(S& s) {
      return std::tie(s.name, s.control, s.http_url);
    }
  };
  struct Leadership {
    Candidate leader;
    uint64_t term = 0;  // grows with every election (etcd: the key's revision)
  };

  virtual ~Coordination() = default;

  // Campaigns as `self` until elected: `elected(term)` then, holding a lease
  // the service keeps alive. Once the lease is lost (it could not be renewed
  // for its whole TTL: a partition, the service down, a crash of the
  // process's machine), `deposed()`; from then on the term is another
  // master's to take. One campaign at a time: a new one only after deposed.
  virtual void Campaign(const Candidate& self, std::function<void(uint64_t term)> elected,
                        std::function<void()> deposed) = 0;
  // Ends the campaign, and gives up the lease if elected (best effort: else
  // it expires), so that another master can lead at once.
  virtual void Resign() = 0;
  // The leader now, or nullopt if there is none.
  virtual void ReadLeader(
      std::function<void(Result<std::optional<Leadership>>)> done) = 0;
  // Appends `records` (consecutive indexes, in order), each only while
  // `term` leads and its index is free: `done(true)` once all are in the
  // log, `done(false)` if one was refused (fenced: another term leads, or
  // the index is taken; the records before it stay).
  virtual void Append(uint64_t term, std::vector<LogRecord> records,
                      std::function<void(Result<bool>)> done) = 0;
  // The records from index `from` on, in order: at least one if there is
  // one, then as many as fit in about `max_bytes` of fragments. Empty: the
  // log ends before `from`. Records trimmed away are simply not there (the
  // first one returned is then after `from`).
  virtual void Read(uint64_t from, size_t max_bytes,
                    std::function<void(Result<std::vector<LogRecord>>)> done) = 0;
  // Forgets the records through `index`.
  virtual void Trim(uint64_t index, std::function<void(Status)> done) = 0;
  // Records that master `name` has applied the log through `index`. The
  // record stays until replaced, the master's process gone or not: a
  // master that stops holds trimming back until it returns (or an operator
  // deletes its record), rather than come back to a log it cannot follow.
  virtual void ReportApplied(const std::string& name, uint64_t index,
                             std::function<void(Status)> done) = 0;
  // The lowest index a master reported; nullopt if none did.
  virtual void ReadLowestApplied(
      std::function<void(Result<std::optional<uint64_t>>)> done) = 0;

  // From now on this process leads as `term`, and its Env's flushes append
  // every batch to the log from index `next` on, before committing it
  // (docs/ha.md, "The leader's flush"). Called once per term, after the
  // campaign won and the log was read to its end.
  void Lead(uint64_t term, uint64_t next) {
    leading_term_ = term;
    next_index_ = next;
  }
  // The term this process led as is over: from now on no batch of its own
  // may be committed (it never reached the log), so its flushes fail.
  void Depose() {
    leading_term_ = 0;
    deposed_ = true;
  }
  // What the flush does with `batch` before committing it: its records,
  // numbered from next_index() on (which moves past them), while this
  // process leads; nullopt if it does not lead (a standby's own writes) or
  // the batch is empty; IOError once deposed.
  Result<std::optional<std::vector<LogRecord>>> CutNext(const MetaWrites& batch);
  // What Lead set: the term (0 if none) and the index the next batch goes
  // at, which the flush moves on as it appends.
  uint64_t leading_term() const { return leading_term_; }
  uint64_t next_index() const { return next_index_; }
  bool deposed() const { return deposed_; }
  // What this process has seen of the log's size (CutNext adds what it
  // cuts, a standby what it reads): where the leader trims past a master
  // left behind once the log outgrows `max_bytes` (SeatOptions).
  LogSpan& span() { return span_; }
  void BoundLog(uint64_t max_bytes) { span_ = LogSpan(max_bytes); }

 private:
  bool deposed_ = false;
  uint64_t leading_term_ = 0;
  uint64_t next_index_ = 0;
  LogSpan span_{kMaxLogBytes};
};

}  // namespace dds
