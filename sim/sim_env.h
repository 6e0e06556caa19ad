// dds::Env for one simulated process: virtual time, timers on the event
// loop, the simulated network, the machine's disk and metadata, a seeded
// random stream, and the trace.
//
// A node's Env batches durability as the runtime's group commit does
// (docs/runtime.md): its first write or publish opens a batch, whose flush
// comes kFlushDelay later (World::Flush); until then the metadata writes
// and publishes can be lost by a crash, and every message that claims
// something (core/messages.h, ClaimsNothing) is held back, with whatever
// follows it to the same peer. So does one of several masters' (world.h);
// a lone master's writes are durable at once.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/env.h"

namespace dds::sim {

class World;
struct Host;

class SimEnv final : public Env {
 public:
  SimEnv(World* world, Host* host) : world_(world), host_(host) {}

  Instant Now() const override;
  void SetTimer(TimerId id, Duration delay) override;
  void CancelTimer(TimerId id) override;
  void Send(const Address& to, const Message& message) override;
  FileStore& Files() override;
  MetaStore& Meta() override;
  uint64_t Random() override;
  void Note(std::string_view line) override;

  // Nodes: the batch. Open is idempotent; Release sends the held messages
  // (the flush made what they claim durable) and closes it.
  void OpenBatch();
  void Release();

  // True (and the timer no longer pending) if `generation` is the timer's
  // current setting; a rescheduled or cancelled timer leaves stale queue
  // entries behind, which this rejects.
  bool Claim(TimerId id, uint64_t generation);

 private:
  World* const world_;
  Host* const host_;
  std::map<TimerId, uint64_t> pending_;  // id -> generation of its live setting
  uint64_t next_generation_ = 1;
  bool batch_open_ = false;
  std::vector<std::pair<Address, Message>> held_;
  std::set<Address> held_to_;
};

}  // namespace dds::sim
