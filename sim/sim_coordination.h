// The coordination service (core/coordination.h) in the simulator: what
// standby masters rely on etcd for, in virtual time and deterministic. One
// SimCoordinationService per world stands for the etcd cluster; each master
// process talks to it through a SimCoordination of its own.
//
// Leases, as etcd's behave for a client that keeps them alive: the leader's
// lease is renewed while the leader can reach the service; once it cannot
// for a whole TTL (it is cut off, its process is gone, or the service is
// down), the lease expires, the election key goes with it, the old leader
// is told it is deposed, and the first reachable candidate waiting (in the
// order they campaigned) is elected with a larger term. Every write (a new
// leader, a record, a trim) takes the next revision, as in etcd, and a
// term is the revision of its election.
//
// The world keeps the service's view current (SetReachable, SetAvailable,
// Tick as time passes) and delivers each answer as a callback into the
// process, after its latency (`deliver`). An operation of a client cut off
// from the service, or while it is down, answers IOError.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/coordination.h"
#include "core/types.h"

namespace dds::sim {

class SimCoordination;

class SimCoordinationService {
 public:
  explicit SimCoordinationService(Duration lease_ttl) : lease_ttl_(lease_ttl) {}

  // Whether `client` can reach the service (a partition cuts it off).
  void SetReachable(const std::string& client, bool reachable);
  // Whether the service answers at all.
  void SetAvailable(bool available) { available_ = available; }
  // Every client reaches it, and it answers.
  void Heal() {
    cut_off_.clear();
    available_ = true;
  }
  // Time passes to `now`: leases are renewed or expire, and a leader is
  // elected if there is none and someone is waiting.
  void Tick(Instant now);

  std::optional<Coordination::Leadership> leader() const;
  const std::map<uint64_t, LogRecord>& log() const { return log_; }
  uint64_t revision() const { return revision_; }

 private:
  friend class SimCoordination;
  struct Campaign {
    uint64_t client = 0;  // the SimCoordination's id: a restarted process is another
    Coordination::Candidate self;
    std::function<void(uint64_t)> elected;
    std::function<void()> deposed;
  };
  struct Leader {
    Campaign campaign;
    uint64_t term = 0;
    Instant renewed{};
  };

  // Whether client `id` is still there, not cut off, and the service is up.
  bool Answers(uint64_t id) const;
  // Runs `fn` in client `id`'s process, if that process is still there.
  void Deliver(uint64_t id, std::function<void()> fn);
  // A new client; its id.
  uint64_t Attach(SimCoordination* coordination);
  // Client `id`'s process is gone: its campaign too, while its lease, if it
  // leads, expires in its own time.
  void Detach(uint64_t id);

  const Duration lease_ttl_;
  bool available_ = true;
  Instant now_{};
  uint64_t revision_ = 0;
  std::optional<Leader> leader_;
  std::vector<Campaign> waiting_;  // in the order they campaigned
  std::map<uint64_t, LogRecord> log_;
  std::map<std::string, uint64_t> applied_;       // by master name
  std::set<std::string> cut_off_;                 // by process name
  std::map<uint64_t, SimCoordination*> clients_;  // by id
  uint64_t next_id_ = 1;
};

class SimCoordination final : public Coordination {
 public:
  using Deliver = std::function<void(std::function<void()>)>;

  SimCoordination(SimCoordinationService& service, std::string client, Deliver deliver);
  ~SimCoordination() override;
  SimCoordination(const SimCoordination&) = delete;
  SimCoordination& operator=(const SimCoordination&) = delete;

  void Campaign(const Candidate& self, std::function<void(uint64_t term)> elected,
                std::function<void()> deposed) override;
  void Resign() override;
  void ReadLeader(std::function<void(Result<std::optional<Leadership>>)> done) override;
  void Append(uint64_t term, std::vector<LogRecord> records,
              std::function<void(Result<bool>)> done) override;
  // The leader's flush (World::Flush), which waits for the service as the
  // runtime's does (runtime/batch_log.h): the records of its batch, cut by
  // CutNext. False if refused, IOError if the service does not answer.
  Result<bool> AppendNow(std::vector<LogRecord> records);
  void Read(uint64_t from, size_t max_bytes,
            std::function<void(Result<std::vector<LogRecord>>)> done) override;
  void Trim(uint64_t index, std::function<void(Status)> done) override;
  void ReportApplied(const std::string& name, uint64_t index,
                     std::function<void(Status)> done) override;
  void ReadLowestApplied(
      std::function<void(Result<std::optional<uint64_t>>)> done) override;

 private:
  friend class SimCoordinationService;
  // Answers `done` with `answer` if the service answers this client, else
  // with an IOError.
  template <typename T, typename Answer>
  void Reply(std::function<void(T)> done, Answer&& answer);
  // Appends while `term` leads and each index is free; false at the first
  // refused. REQUIRES: the service answers this client.
  bool AppendWhileLeading(uint64_t term, std::vector<LogRecord> records);

  SimCoordinationService& service_;
  const std::string client_;  // its process's name
  const Deliver deliver_;
  const uint64_t id_;
};

}  // namespace dds::sim
