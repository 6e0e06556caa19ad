// The simulated coordination service; see sim_coordination.h.
#include "sim/sim_coordination.h"

#include <algorithm>
#include <utility>

namespace dds::sim {

void SimCoordinationService::SetReachable(const std::string& client, bool reachable) {
  if (reachable) {
    cut_off_.erase(client);
  } else {
    cut_off_.insert(client);
  }
}

bool SimCoordinationService::Answers(uint64_t id) const {
  auto it = clients_.find(id);
  return available_ && it != clients_.end() && !cut_off_.contains(it->second->client_);
}

void SimCoordinationService::Deliver(uint64_t id, std::function<void()> fn) {
  if (auto it = clients_.find(id); it != clients_.end() && fn)
    it->second->deliver_(std::move(fn));
}

uint64_t SimCoordinationService::Attach(SimCoordination* coordination) {
  const uint64_t id = next_id_++;
  clients_.emplace(id, coordination);
  return id;
}

void SimCoordinationService::Detach(uint64_t id) {
  clients_.erase(id);
  std::erase_if(waiting_, [&](const Campaign& c) { return c.client == id; });
}

void SimCoordinationService::Tick(Instant now) {
  now_ = now;
  if (leader_) {
    if (Answers(leader_->campaign.client)) {
      leader_->renewed = now;
    } else if (now - leader_->renewed >= lease_ttl_) {
      // The lease expires, and the election key with it. The old leader
      // could not renew it for as long: it knows it is deposed.
      Campaign old = std::move(leader_->campaign);
      leader_.reset();
      ++revision_;
      Deliver(old.client, std::move(old.deposed));
    }
  }
  if (leader_ || !available_) return;
  for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
    if (!Answers(it->client)) continue;
    leader_ = Leader{std::move(*it), ++revision_, now};
    waiting_.erase(it);
    Deliver(leader_->campaign.client, [elected = leader_->campaign.elected,
                                       term = leader_->term] { elected(term); });
    return;
  }
}

std::optional<Coordination::Leadership> SimCoordinationService::leader() const {
  if (!leader_) return std::nullopt;
  return Coordination::Leadership{leader_->campaign.self, leader_->term};
}

SimCoordination::SimCoordination(SimCoordinationService& service, std::string client,
                                 Deliver deliver)
    : service_(service),
      client_(std::move(client)),
      deliver_(std::move(deliver)),
      id_(service.Attach(this)) {}

SimCoordination::~SimCoordination() { service_.Detach(id_); }

template <typename T, typename Answer>
void SimCoordination::Reply(std::function<void(T)> done, Answer&& answer) {
  if (!service_.Answers(id_)) {
    deliver_([done = std::move(done)] {
      done(T(Status::IOError("the coordination service is unreachable")));
    });
    return;
  }
  deliver_([done = std::move(done), answer = T(std::forward<Answer>(answer))] {
    done(answer);
  });
}

void SimCoordination::Campaign(const Candidate& self,
                               std::function<void(uint64_t term)> elected,
                               std::function<void()> deposed) {
  service_.waiting_.push_back({id_, self, std::move(elected), std::move(deposed)});
}

void SimCoordination::Resign() {
  std::erase_if(service_.waiting_, [&](const auto& c) { return c.client == id_; });
  if (service_.Answers(id_) && service_.leader_ &&
      service_.leader_->campaign.client == id_) {
    service_.leader_.reset();
    ++service_.revision_;
  }
}

void SimCoordination::ReadLeader(
    std::function<void(Result<std::optional<Leadership>>)> done) {
  Reply(std::move(done), service_.leader());
}

void SimCoordination::Append(uint64_t term, std::vector<LogRecord> records,
                             std::function<void(Result<bool>)> done) {
  if (!service_.Answers(id_)) return Reply(std::move(done), false);
  Reply(std::move(done), AppendWhileLeading(term, std::move(records)));
}

Result<bool> SimCoordination::AppendNow(std::vector<LogRecord> records) {
  if (!service_.Answers(id_))
    return Status::IOError("the coordination service is unreachable");
  const uint64_t term = records.empty() ? 0 : records.front().term;
  return AppendWhileLeading(term, std::move(records));
}

bool SimCoordination::AppendWhileLeading(uint64_t term, std::vector<LogRecord> records) {
  for (LogRecord& record : records) {
    const auto& leader = service_.leader_;
    if (!leader || leader->term != term || service_.log_.contains(record.index))
      return false;
    ++service_.revision_;
    const uint64_t index = record.index;
    service_.log_.emplace(index, std::move(record));
  }
  return true;
}

void SimCoordination::Read(uint64_t from, size_t max_bytes,
                           std::function<void(Result<std::vector<LogRecord>>)> done) {
  std::vector<LogRecord> records;
  size_t bytes = 0;
  for (auto it = service_.log_.lower_bound(from);
       it != service_.log_.end() && (records.empty() || bytes < max_bytes); ++it) {
    bytes += it->second.fragment.size();
    records.push_back(it->second);
  }
  Reply(std::move(done), std::move(records));
}

void SimCoordination::Trim(uint64_t index, std::function<void(Status)> done) {
  auto& log = service_.log_;
  const auto end = log.upper_bound(index);
  if (service_.Answers(id_) && end != log.begin()) {
    log.erase(log.begin(), end);
    ++service_.revision_;
  }
  Reply(std::move(done), Status::Ok());
}

void SimCoordination::ReportApplied(const std::string& name, uint64_t index,
                                    std::function<void(Status)> done) {
  if (service_.Answers(id_)) {
    service_.applied_[name] = index;
    ++service_.revision_;
  }
  Reply(std::move(done), Status::Ok());
}

void SimCoordination::ReadLowestApplied(
    std::function<void(Result<std::optional<uint64_t>>)> done) {
  std::optional<uint64_t> lowest;
  for (const auto& [name, index] : service_.applied_)
    lowest = lowest ? std::min(*lowest, index) : index;
  Reply(std::move(done), lowest);
}

}  // namespace dds::sim
