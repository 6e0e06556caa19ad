// The simulated network between processes.
//
// Every message is encoded with the real codec at Send and decoded at
// delivery, so the codec runs in every simulation and the wire size is the
// encoded size. A directed link is a FIFO pipe: a message waits for the link
// to finish serialising earlier ones (size / bandwidth), then travels for a
// latency drawn from [latency_min, latency_max], and is never delivered
// before an earlier message on the same link. Messages can be lost at
// random, are dropped across a partition, and die with their connection:
// when a process crashes or a partition separates two processes, whatever
// is in flight between them is dropped and each live side is told
// (Process::OnPeerLost), as a TCP reset would.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/messages.h"
#include "core/random.h"
#include "core/types.h"
#include "sim/event_loop.h"
#include "sim/trace.h"

namespace dds::sim {

struct NetworkOptions {
  Duration latency_min = std::chrono::milliseconds(1);
  Duration latency_max = std::chrono::milliseconds(5);
  uint64_t bandwidth = 100ull << 20;  // bytes per second per link; 0: unlimited
  double loss = 0;                    // probability that a message is lost
};

// What the network needs from the processes it connects (by index).
class Endpoints {
 public:
  virtual ~Endpoints() = default;
  virtual bool IsUp(int host) const = 0;
  virtual const std::string& NameOf(int host) const = 0;
  virtual void Deliver(int to, int from, const Message& message) = 0;
  virtual void PeerLost(int host, int peer) = 0;
};

class Network {
 public:
  Network(EventLoop* loop, Trace* trace, uint64_t seed, NetworkOptions options,
          Endpoints* endpoints);

  void Send(int from, int to, const Message& message);
  // group_of[host] says which side each process is on; processes past the
  // end of the vector are on side 0. Breaks every connection that crosses.
  void Partition(std::vector<int> group_of);
  void Heal();
  // The process crashed: all its connections break.
  void BreakAll(int host);
  // Faults: for a while, lose this share of messages (on top of the
  // configured loss) or add this much one-way latency; Calm ends both.
  void SetLossSpike(double loss) { spike_loss_ = loss; }
  void SetDelaySpike(Duration delay) { spike_delay_ = delay; }
  void Calm();
  bool Reachable(int a, int b) const { return GroupOf(a) == GroupOf(b); }

  uint64_t messages_sent() const { return sent_; }
  uint64_t bytes_sent() const { return bytes_; }
  // Messages dropped, by why ("partition", "lost", "lost in a spike", "peer
  // down"), and how many of those cut a transfer (a Fetch or its Chunks)
  // because of a partition: fault coverage (sim/coverage.h).
  const std::map<std::string, uint64_t, std::less<>>& drops() const { return drops_; }
  uint64_t transfers_cut() const { return transfers_cut_; }

 private:
  using Pair = std::pair<int, int>;  // (smaller, larger) host index
  struct Link {                      // one direction
    Instant free_at{};               // when the sender side finishes serialising
    Instant last_delivery{};
  };
  struct Connection {
    bool open = false;
    uint64_t epoch = 0;  // bumped when it breaks; older deliveries are dropped
  };

  static Pair Key(int a, int b) { return a < b ? Pair{a, b} : Pair{b, a}; }
  // Tables indexed by host, grown as hosts appear (a cluster has at most a
  // few hundred processes, and these are on every message's path).
  Link& LinkOf(int from, int to);
  Connection& ConnectionOf(Pair pair);
  int GroupOf(int host) const;
  Instant DeliveryTime(int from, int to, uint64_t size);
  void Arrive(int from, int to, uint64_t epoch, const std::string& bytes);
  void Break(Pair pair);
  // Breaks every open connection for which `affected` holds.
  void BreakWhere(const std::function<bool(Pair)>& affected);
  void Drop(int from, int to, const Message& message, std::string_view why);

  EventLoop* const loop_;
  Trace* const trace_;
  SplitMix64 random_;
  const NetworkOptions options_;
  Endpoints* const endpoints_;
  std::vector<std::vector<Link>> links_;              // [from][to]
  std::vector<std::vector<Connection>> connections_;  // [smaller][larger]
  std::vector<int> group_of_;
  double spike_loss_ = 0;
  Duration spike_delay_{};
  uint64_t sent_ = 0;
  uint64_t bytes_ = 0;
  std::map<std::string, uint64_t, std::less<>> drops_;
  uint64_t transfers_cut_ = 0;
};

}  // namespace dds::sim
