// Transport over real loopback sockets: delivery and attribution, replies on
// the same connection, garbage and oversized frames closing only their
// connection, and unreachable peers.
#include "runtime/transport.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>

#include "runtime/frame.h"
#include "runtime/tests/test_util.h"

namespace dds {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using testing::RunUntil;

// Records what a transport delivers.
struct Recorder : Transport::Delegate {
  void OnMessages(const std::string& from, std::vector<Message> batch) override {
    for (auto& m : batch) received.emplace_back(from, std::move(m));
  }
  void OnPeerLost(const std::string& peer) override { lost.push_back(peer); }
  std::vector<std::pair<std::string, Message>> received;
  std::vector<std::string> lost;
};

struct Endpoint {
  explicit Endpoint(asio::io_context& io) : transport(io) {
    transport.set_delegate(&recorder);
    address = transport.Listen("127.0.0.1:0", "").value();
  }
  Transport transport;
  Recorder recorder;
  std::string address;
};

// Sends raw bytes to `address` from a plain socket and returns the socket.
tcp::socket RawSend(asio::io_context& io, const std::string& address,
                    const std::string& bytes) {
  tcp::socket socket(io);
  const auto colon = address.rfind(':');
  socket.connect(
      tcp::endpoint(asio::ip::make_address(address.substr(0, colon)),
                    static_cast<uint16_t>(std::stoi(address.substr(colon + 1)))));
  asio::write(socket, asio::buffer(bytes));
  return socket;
}

// True once the peer has closed `socket` (a read returns EOF or an error).
bool PeerClosed(tcp::socket& socket) {
  char byte;
  boost::system::error_code ec;
  socket.non_blocking(true);
  socket.read_some(asio::buffer(&byte, 1), ec);
  return ec && ec != asio::error::would_block;
}

BOOST_AUTO_TEST_SUITE(transport)

BOOST_AUTO_TEST_CASE(delivers_attributes_and_replies_on_the_same_connection) {
  asio::io_context io;
  Endpoint a(io), b(io);
  a.transport.Send(b.address, Heartbeat{"a", {}, 0, 7});
  BOOST_REQUIRE(RunUntil(io, [&] { return b.recorder.received.size() == 1; }));
  BOOST_TEST(b.recorder.received[0].first == a.address);
  // The reply reuses the connection a opened: b never dials a.
  b.transport.Send(a.address, HeartbeatAck{Cursor{1, 99}});
  BOOST_REQUIRE(RunUntil(io, [&] { return a.recorder.received.size() == 1; }));
  BOOST_TEST(a.recorder.received[0].first == b.address);
  BOOST_TEST(std::get<HeartbeatAck>(a.recorder.received[0].second).head.seq == 99u);
  BOOST_TEST(a.transport.stats().connections_accepted == 0u);
  // Order is kept per destination.
  for (uint64_t i = 0; i < 100; ++i)
    a.transport.Send(b.address, Heartbeat{"a", {}, 0, i});
  BOOST_REQUIRE(RunUntil(io, [&] { return b.recorder.received.size() == 101; }));
  for (uint64_t i = 0; i < 100; ++i) {
    BOOST_TEST(std::get<Heartbeat>(b.recorder.received[i + 1].second).held_digest == i);
  }
}

BOOST_AUTO_TEST_CASE(garbage_closes_only_that_connection) {
  asio::io_context io;
  Endpoint a(io), b(io);
  auto garbage = RawSend(io, b.address, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_REQUIRE(RunUntil(io, [&] { return PeerClosed(garbage); }));
  std::string oversized = FrameHello("127.0.0.1:1");
  oversized += std::string("\xff\xff\xff\x7f", 4) + "junk";
  auto big = RawSend(io, b.address, oversized);
  BOOST_REQUIRE(RunUntil(io, [&] { return PeerClosed(big); }));
  std::string undecodable = FrameHello("127.0.0.1:2");
  undecodable += std::string("\x03\x00\x00\x00\x01\xee\x00", 7);
  auto bad = RawSend(io, b.address, undecodable);
  BOOST_REQUIRE(RunUntil(io, [&] { return PeerClosed(bad); }));
  BOOST_TEST(b.transport.stats().bad_frames == 3u);
  BOOST_TEST(b.recorder.received.empty());
  // The process and its port are fine.
  a.transport.Send(b.address, CatalogRequest{"a"});
  BOOST_REQUIRE(RunUntil(io, [&] { return b.recorder.received.size() == 1; }));
}

BOOST_AUTO_TEST_CASE(unreachable_peer_drops_and_reports) {
  asio::io_context io;
  Endpoint a(io);
  std::string dead;
  {
    Endpoint gone(io);  // a port that was free a moment ago, now closed
    dead = gone.address;
  }
  a.transport.Send(dead, CatalogRequest{"a"});
  BOOST_REQUIRE(RunUntil(io, [&] { return a.recorder.lost.size() == 1; }));
  BOOST_TEST(a.recorder.lost[0] == dead);
  BOOST_TEST(a.transport.stats().messages_dropped == 1u);
  BOOST_TEST(a.transport.stats().connect_failures == 1u);
}

BOOST_AUTO_TEST_CASE(a_closed_peer_is_reported_lost) {
  asio::io_context io;
  Endpoint a(io);
  auto b = std::make_unique<Endpoint>(io);
  const std::string b_address = b->address;
  a.transport.Send(b_address, CatalogRequest{"a"});
  BOOST_REQUIRE(RunUntil(io, [&] { return b->recorder.received.size() == 1; }));
  b.reset();
  BOOST_REQUIRE(RunUntil(io, [&] { return a.recorder.lost.size() == 1; }));
  BOOST_TEST(a.recorder.lost[0] == b_address);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
