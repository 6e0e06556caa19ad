// Goal: the network model keeps each link FIFO whatever the latency draw,
// serialises by bandwidth, drops across partitions and with broken
// connections, and tells the live side. Method: three fake endpoints.
#include "sim/network.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

namespace dds::sim {
namespace {

using std::chrono::milliseconds;

struct Fakes final : Endpoints {
  bool IsUp(int host) const override { return up[static_cast<size_t>(host)]; }
  const std::string& NameOf(int host) const override {
    return names[static_cast<size_t>(host)];
  }
  void Deliver(int to, int from, const Message& m) override {
    delivered.push_back(NameOf(from) + ">" + NameOf(to) + " " +
                        std::get<Heartbeat>(m).node);
  }
  void PeerLost(int host, int peer) override {
    lost.push_back(NameOf(host) + " lost " + NameOf(peer));
  }
  std::vector<bool> up{true, true, true};
  std::vector<std::string> names{"a", "b", "c"};
  std::vector<std::string> delivered;
  std::vector<std::string> lost;
};

struct Fixture {
  Message Tagged(int i) { return Heartbeat{std::to_string(i), 0, 0, false}; }
  EventLoop loop;
  Trace trace;
  Fakes fakes;
  NetworkOptions options{milliseconds(1), milliseconds(50), 0, 0};
};

BOOST_FIXTURE_TEST_CASE(links_are_fifo, Fixture) {
  Network net(&loop, &trace, 7, options, &fakes);
  std::vector<std::string> expected;
  for (int i = 0; i < 200; ++i) {
    net.Send(0, 1, Tagged(i));
    expected.push_back("a>b " + std::to_string(i));
  }
  loop.RunUntil(Instant(milliseconds(100)));
  BOOST_TEST(fakes.delivered == expected);
  BOOST_TEST(net.messages_sent() == 200u);
}

BOOST_FIXTURE_TEST_CASE(bandwidth_serialises, Fixture) {
  options = {milliseconds(1), milliseconds(1), 1000, 0};  // 1000 bytes/s
  Network net(&loop, &trace, 7, options, &fakes);
  net.Send(0, 1, Tagged(1));  // a few dozen bytes: tens of ms on the wire
  loop.RunUntil(Instant(milliseconds(10)));
  BOOST_TEST(fakes.delivered.empty());
  loop.RunUntil(Instant(milliseconds(200)));
  BOOST_TEST(fakes.delivered.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(partition_drops_and_breaks_connections, Fixture) {
  Network net(&loop, &trace, 7, options, &fakes);
  net.Send(0, 1, Tagged(1));  // in flight when the partition starts
  net.Partition({0, 1, 0});   // b alone
  net.Send(0, 1, Tagged(2));  // dropped at once
  net.Send(0, 2, Tagged(3));  // same side: delivered
  loop.RunUntil(Instant(milliseconds(100)));
  BOOST_TEST(fakes.delivered == std::vector<std::string>{"a>c 3"});
  BOOST_TEST(fakes.lost == (std::vector<std::string>{"a lost b", "b lost a"}));
  net.Heal();
  net.Send(0, 1, Tagged(4));
  loop.RunUntil(Instant(milliseconds(200)));
  BOOST_TEST(fakes.delivered.back() == "a>b 4");
}

BOOST_FIXTURE_TEST_CASE(crash_drops_in_flight_and_tells_the_live_side, Fixture) {
  Network net(&loop, &trace, 7, options, &fakes);
  net.Send(0, 1, Tagged(1));
  net.Send(2, 1, Tagged(2));
  fakes.up[1] = false;
  net.BreakAll(1);
  loop.RunUntil(Instant(milliseconds(100)));
  BOOST_TEST(fakes.delivered.empty());
  BOOST_TEST(fakes.lost == (std::vector<std::string>{"a lost b", "c lost b"}));
}

BOOST_FIXTURE_TEST_CASE(loss_drops_some, Fixture) {
  options.loss = 0.5;
  Network net(&loop, &trace, 7, options, &fakes);
  for (int i = 0; i < 400; ++i) net.Send(0, 1, Tagged(i));
  loop.RunUntil(Instant(milliseconds(100)));
  BOOST_TEST(fakes.delivered.size() > 100u);
  BOOST_TEST(fakes.delivered.size() < 300u);
}

}  // namespace
}  // namespace dds::sim
