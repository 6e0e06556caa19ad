// The network model; see network.h.
#include "sim/network.h"

#include <algorithm>

#include "core/codec.h"

namespace dds::sim {

Network::Network(EventLoop* loop, Trace* trace, uint64_t seed, NetworkOptions options,
                 Endpoints* endpoints)
    : loop_(loop),
      trace_(trace),
      random_(seed),
      options_(options),
      endpoints_(endpoints) {}

void Network::Send(int from, int to, const Message& message) {
  if (!Reachable(from, to)) return Drop(from, to, message, "partition");
  if (!endpoints_->IsUp(to)) return Drop(from, to, message, "peer down");
  if (options_.loss > 0 && UniformUnit(random_.Next()) < options_.loss) {
    return Drop(from, to, message, "lost");
  }
  std::string bytes = Encode(message);
  ++sent_;
  bytes_ += bytes.size();
  Connection& connection = connections_[Key(from, to)];
  connection.open = true;
  Instant at = DeliveryTime(from, to, bytes.size());
  loop_->At(at, [this, from, to, epoch = connection.epoch, bytes = std::move(bytes)] {
    Arrive(from, to, epoch, bytes);
  });
}

Instant Network::DeliveryTime(int from, int to, uint64_t size) {
  Link& link = links_[{from, to}];
  Instant now = loop_->Now();
  Duration serialise{0};
  if (options_.bandwidth > 0) {
    serialise = Duration(static_cast<int64_t>(size * 1000000 / options_.bandwidth));
  }
  link.free_at = std::max(link.free_at, now) + serialise;
  uint64_t spread =
      static_cast<uint64_t>((options_.latency_max - options_.latency_min).count());
  Duration latency =
      options_.latency_min +
      Duration(static_cast<int64_t>(UniformBelow(random_.Next(), spread + 1)));
  link.last_delivery = std::max(link.last_delivery, link.free_at + latency);
  return link.last_delivery;
}

void Network::Arrive(int from, int to, uint64_t epoch, const std::string& bytes) {
  if (connections_[Key(from, to)].epoch != epoch || !endpoints_->IsUp(to)) return;
  Result<Message> message = Decode(bytes);
  const std::string& sender = endpoints_->NameOf(from);
  const std::string& receiver = endpoints_->NameOf(to);
  if (!message.ok()) {
    trace_->Notable(loop_->Now(), "undecodable " + sender + "->" + receiver + ": " +
                                      message.status().ToString());
    return;
  }
  trace_->Event(loop_->Now(),
                "deliver " + sender + "->" + receiver + " " + Describe(*message));
  endpoints_->Deliver(to, from, *message);
}

void Network::Partition(std::vector<int> group_of) {
  group_of_ = std::move(group_of);
  std::vector<Pair> crossing;
  for (const auto& [pair, connection] : connections_) {
    if (connection.open && !Reachable(pair.first, pair.second)) crossing.push_back(pair);
  }
  for (const Pair& pair : crossing) Break(pair);
}

void Network::Heal() { group_of_.clear(); }

void Network::BreakAll(int host) {
  std::vector<Pair> affected;
  for (const auto& [pair, connection] : connections_) {
    if (connection.open && (pair.first == host || pair.second == host)) {
      affected.push_back(pair);
    }
  }
  for (const Pair& pair : affected) Break(pair);
}

int Network::GroupOf(int host) const {
  return static_cast<size_t>(host) < group_of_.size()
             ? group_of_[static_cast<size_t>(host)]
             : 0;
}

void Network::Break(Pair pair) {
  Connection& connection = connections_[pair];
  connection.open = false;
  ++connection.epoch;
  links_.erase({pair.first, pair.second});
  links_.erase({pair.second, pair.first});
  // Tell the live ends from the event loop, never from inside a callback.
  for (auto [host, peer] : {pair, Pair{pair.second, pair.first}}) {
    loop_->After(Duration(0), [this, host, peer] {
      if (!endpoints_->IsUp(host)) return;
      trace_->Event(loop_->Now(), "peer-lost " + endpoints_->NameOf(host) + " lost " +
                                      endpoints_->NameOf(peer));
      endpoints_->PeerLost(host, peer);
    });
  }
}

void Network::Drop(int from, int to, const Message& message, std::string_view why) {
  trace_->Event(loop_->Now(), "drop " + endpoints_->NameOf(from) + "->" +
                                  endpoints_->NameOf(to) + " " + MessageName(message) +
                                  " (" + std::string(why) + ")");
}

}  // namespace dds::sim
