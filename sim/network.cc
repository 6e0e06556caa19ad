// The network model; see network.h.
#include "sim/network.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "core/codec.h"

namespace dds::sim {
namespace {

// table[row][column], growing the table as needed.
template <typename T>
T& Cell(std::vector<std::vector<T>>& table, int row, int column) {
  auto r = static_cast<size_t>(row);
  auto c = static_cast<size_t>(column);
  if (table.size() <= r) table.resize(r + 1);
  if (table[r].size() <= c) table[r].resize(c + 1);
  return table[r][c];
}

}  // namespace

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
  if (spike_loss_ > 0 && UniformUnit(random_.Next()) < spike_loss_) {
    return Drop(from, to, message, "lost in a spike");
  }
  Result<std::string> encoded = Encode(message);
  if (!encoded.ok()) {
    // The core built a message past the bound: a bug, not a network event.
    std::fprintf(stderr, "sim: %s\n", encoded.status().ToString().c_str());
    std::abort();
  }
  std::string bytes = std::move(encoded).value();
  ++sent_;
  bytes_ += bytes.size();
  Connection& connection = ConnectionOf(Key(from, to));
  connection.open = true;
  Instant at = DeliveryTime(from, to, bytes.size());
  loop_->At(at, [this, from, to, epoch = connection.epoch, bytes = std::move(bytes)] {
    Arrive(from, to, epoch, bytes);
  });
}

Instant Network::DeliveryTime(int from, int to, uint64_t size) {
  Link& link = LinkOf(from, to);
  Instant now = loop_->Now();
  Duration serialise{0};
  if (options_.bandwidth > 0) {
    serialise = Duration(static_cast<int64_t>(size * 1000000 / options_.bandwidth));
  }
  link.free_at = std::max(link.free_at, now) + serialise;
  uint64_t spread =
      static_cast<uint64_t>((options_.latency_max - options_.latency_min).count());
  Duration latency =
      options_.latency_min + spike_delay_ +
      Duration(static_cast<int64_t>(UniformBelow(random_.Next(), spread + 1)));
  link.last_delivery = std::max(link.last_delivery, link.free_at + latency);
  return link.last_delivery;
}

void Network::Arrive(int from, int to, uint64_t epoch, const std::string& bytes) {
  if (ConnectionOf(Key(from, to)).epoch != epoch || !endpoints_->IsUp(to)) return;
  Result<Message> message = Decode(bytes);
  const std::string& sender = endpoints_->NameOf(from);
  const std::string& receiver = endpoints_->NameOf(to);
  if (!message.ok()) {
    trace_->Notable(loop_->Now(), "undecodable " + sender + "->" + receiver + ": " +
                                      message.status().ToString());
    return;
  }
  if (trace_->wanted()) {
    trace_->Event(loop_->Now(),
                  "deliver " + sender + "->" + receiver + " " + Describe(*message));
  }
  endpoints_->Deliver(to, from, *message);
}

Network::Link& Network::LinkOf(int from, int to) { return Cell(links_, from, to); }

Network::Connection& Network::ConnectionOf(Pair pair) {
  return Cell(connections_, pair.first, pair.second);
}

void Network::Partition(std::vector<int> group_of) {
  group_of_ = std::move(group_of);
  BreakWhere([this](Pair pair) { return !Reachable(pair.first, pair.second); });
}

void Network::Heal() { group_of_.clear(); }

void Network::Calm() {
  spike_loss_ = 0;
  spike_delay_ = Duration(0);
}

void Network::BreakAll(int host) {
  BreakWhere([host](Pair pair) { return pair.first == host || pair.second == host; });
}

void Network::BreakWhere(const std::function<bool(Pair)>& affected) {
  for (size_t a = 0; a < connections_.size(); ++a) {
    for (size_t b = a + 1; b < connections_[a].size(); ++b) {
      Pair pair{static_cast<int>(a), static_cast<int>(b)};
      if (connections_[a][b].open && affected(pair)) Break(pair);
    }
  }
}

int Network::GroupOf(int host) const {
  return static_cast<size_t>(host) < group_of_.size()
             ? group_of_[static_cast<size_t>(host)]
             : 0;
}

void Network::Break(Pair pair) {
  Connection& connection = ConnectionOf(pair);
  connection.open = false;
  ++connection.epoch;
  LinkOf(pair.first, pair.second) = Link{};
  LinkOf(pair.second, pair.first) = Link{};
  // Tell the live ends from the event loop, never from inside a callback.
  for (auto [host, peer] : {pair, Pair{pair.second, pair.first}}) {
    loop_->After(Duration(0), [this, host, peer] {
      if (!endpoints_->IsUp(host)) return;
      if (trace_->wanted()) {
        trace_->Event(loop_->Now(), "peer-lost " + endpoints_->NameOf(host) + " lost " +
                                        endpoints_->NameOf(peer));
      }
      endpoints_->PeerLost(host, peer);
    });
  }
}

void Network::Drop(int from, int to, const Message& message, std::string_view why) {
  auto counted = drops_.find(why);
  if (counted == drops_.end()) counted = drops_.emplace(std::string(why), 0).first;
  ++counted->second;
  if (why == "partition" && (std::holds_alternative<Fetch>(message) ||
                             std::holds_alternative<Chunks>(message))) {
    ++transfers_cut_;
  }
  if (!trace_->wanted()) return;
  trace_->Event(loop_->Now(), "drop " + endpoints_->NameOf(from) + "->" +
                                  endpoints_->NameOf(to) + " " + MessageName(message) +
                                  " (" + std::string(why) + ")");
}

}  // namespace dds::sim
