// A leading master's flush (runtime/group_commit.h with a BatchLog): each
// batch reaches etcd's log before it is committed locally and before any
// claim of it leaves; a leader whose term has ended cannot commit, and its
// claims never leave.
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>
#include <memory>

#include "core/wire.h"
#include "runtime/asio_env.h"
#include "runtime/etcd/etcd_coordination.h"
#include "runtime/tests/test_util.h"
#include "tests/coordination_seat.h"
#include "tests/runtime/etcd/etcd_server.h"

namespace dds {
namespace {

using namespace testing;        // NOLINT: RunUntil, Seat, TempDir
using namespace etcd::testing;  // NOLINT: Etcd, Url

// Counts the messages that reach it.
struct Peer : Transport::Delegate {
  explicit Peer(boost::asio::io_context& io) : transport(io) {
    transport.set_delegate(this);
    address = transport.Listen("127.0.0.1:0", "").value();
  }
  void OnMessages(const std::string&, std::vector<Message> batch) override {
    received += batch.size();
  }
  void OnPeerLost(const std::string&) override {}
  Transport transport;
  std::string address;
  size_t received = 0;
};

BOOST_AUTO_TEST_SUITE(leader_flush)

BOOST_AUTO_TEST_CASE(a_batch_is_logged_before_it_is_committed_or_claimed) {
  Etcd etcd;
  TempDir dir;
  boost::asio::io_context io;
  Transport transport(io);
  BOOST_REQUIRE(transport.Listen("127.0.0.1:0", "").ok());
  auto meta = SqliteMetaStore::Open(dir / "master.db").value();
  EtcdOptions options;
  options.endpoints = {Url(etcd.port())};
  options.lease_ttl = std::chrono::seconds(2);
  EtcdCoordination coordination(io, options,
                                [](const std::function<void()>& fn) { fn(); });
  AsioEnv env(io, transport, *meta, nullptr, &coordination);
  Peer peer(io);
  Seat seat;
  seat.CampaignOn(coordination, "m1");
  BOOST_REQUIRE(RunUntil(io, [&] { return seat.term > 0; }));
  coordination.Lead(seat.term, 1);

  env.Call([&] {
    BOOST_REQUIRE(env.Meta().Put("catalog/a", "v1").ok());
    env.Send(peer.address, HeartbeatAck{Cursor{1, 1}});
  });
  BOOST_REQUIRE(RunUntil(io, [&] { return peer.received == 1; }));
  // In the log: the batch as written, without where the log stands.
  etcd::Client client({Url(etcd.port())}, std::chrono::seconds(2));
  const std::string log = options.prefix + "log/";
  etcd::RangeResult records = client.Range(log, etcd::RangeEnd(log)).value();
  BOOST_REQUIRE_EQUAL(records.kvs.size(), 1u);
  BatchAssembler follower(1);
  std::optional<MetaWrites> batch =
      follower.Add(DecodeRecord<LogRecord>(records.kvs[0].value).value()).value();
  BOOST_REQUIRE(batch);
  BOOST_TEST((*batch == MetaWrites{{"catalog/a", "v1"}}));
  // Committed here, with where the log stands.
  auto reader = SqliteMetaStore::Open(dir / "master.db").value();
  std::string value;
  BOOST_TEST(reader->Get("catalog/a", &value).ok());
  BOOST_TEST(LoadApplied(*reader).value() == 1u);
  BOOST_TEST(coordination.next_index() == 2u);

  // Its term ends behind its back (the key goes, as with an expired lease):
  // the next batch is refused, the flush fails, nothing is claimed.
  BOOST_REQUIRE(
      client
          .Txn({}, {{etcd::Op::Kind::kDeleteRange, options.prefix + "leader", "", 0, ""}},
               {})
          .ok());
  env.Call([&] {
    BOOST_REQUIRE(env.Meta().Put("catalog/b", "v2").ok());
    env.Send(peer.address, HeartbeatAck{Cursor{1, 2}});
  });
  BOOST_REQUIRE(RunUntil(io, [&] { return env.failed(); }));
  BOOST_TEST(peer.received == 1u);
  BOOST_TEST(reader->Get("catalog/b", &value).IsNotFound());
  BOOST_TEST(client.Range(log, etcd::RangeEnd(log)).value().kvs.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
