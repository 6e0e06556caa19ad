// The simulated Env; see sim_env.h.
#include "sim/sim_env.h"

#include <algorithm>
#include <array>
#include <string>

#include "sim/run_record.h"
#include "sim/world.h"

namespace dds::sim {

Instant SimEnv::Now() const { return world_->loop().Now(); }

void SimEnv::SetTimer(TimerId id, Duration delay) {
  uint64_t generation = next_generation_++;
  pending_[id] = generation;
  World* world = world_;
  Host* host = host_;
  uint64_t starts = host_->starts;
  world_->loop().After(std::max(delay, Duration(0)),
                       [=] { world->FireTimer(*host, starts, id, generation); });
}

void SimEnv::CancelTimer(TimerId id) { pending_.erase(id); }

bool SimEnv::Claim(TimerId id, uint64_t generation) {
  auto it = pending_.find(id);
  if (it == pending_.end() || it->second != generation) return false;
  pending_.erase(it);
  return true;
}

void SimEnv::Send(const Address& to, const Message& message) {
  // Behind a held message it waits too: order per destination is kept.
  if (!host_->batched() || (ClaimsNothing(message) && !held_to_.contains(to))) {
    world_->SendFrom(*host_, to, message);
    return;
  }
  held_to_.insert(to);
  held_.emplace_back(to, message);
  OpenBatch();
}

void SimEnv::OpenBatch() {
  if (batch_open_) return;
  batch_open_ = true;
  world_->ScheduleFlush(*host_);
}

void SimEnv::Release() {
  batch_open_ = false;
  held_to_.clear();
  for (auto& [to, message] : std::exchange(held_, {}))
    world_->SendFrom(*host_, to, message);
}

FileStore& SimEnv::Files() { return *host_->disk; }

MetaStore& SimEnv::Meta() { return host_->meta; }

uint64_t SimEnv::Random() { return host_->random.Next(); }

void SimEnv::Note(std::string_view line) {
  if (line.find(": corruption detected ") != std::string_view::npos)
    ++world_->coverage().moments[std::string(kCorruptionFound)];
  if (host_->seat && line.find(": leading, term ") != std::string_view::npos)
    ++world_->coverage().moments[std::string(kLeaderElected)];
  if (!world_->trace().wanted() && !world_->trace().has_timeline() && !world_->record())
    return;
  // Per-file progress notes ("n1: installed a.txt v2") would drown the
  // timeline; they stay in the trace, and the convergence line sums them up.
  static constexpr std::array<std::string_view, 3> kRoutine = {
      ": reported ", ": installed ", ": copied "};
  bool routine = std::any_of(
      kRoutine.begin(), kRoutine.end(),
      [&](std::string_view verb) { return line.find(verb) != std::string_view::npos; });
  if (routine) {
    world_->trace().Event(Now(), line);
    return;
  }
  world_->trace().Notable(Now(), line);
  if (RunRecord* record = world_->record()) record->Note(Now(), host_->name, line);
}

}  // namespace dds::sim
