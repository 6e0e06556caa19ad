// The coordination seam over a real etcd holds the promises the simulated
// service is held to (tests/sim/coordination_test.cc): one leader at a time,
// a successor only once the leader's lease is gone, terms that grow, appends
// fenced by the term, reads in order, trims, and a leader deposed when etcd
// stops answering.
#include "runtime/etcd/etcd_coordination.h"

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>
#include <memory>

#include "runtime/tests/test_util.h"
#include "tests/coordination_seat.h"
#include "tests/runtime/etcd/etcd_server.h"

namespace dds {
namespace {

using etcd::testing::Etcd;
using etcd::testing::Url;
using testing::RunUntil;
using testing::Seat;

constexpr std::chrono::seconds kTtl{2};
// The lease was renewed at most a third of a TTL before the leader went (or
// etcd stopped): no successor, and no deposing, sooner than this after it.
constexpr auto kSoonest =
    std::chrono::milliseconds(kTtl) * 2 / 3 - std::chrono::milliseconds(100);

// etcd, and two masters: m1 (`a`) elected, m2 (`b`) not campaigning yet.
struct World {
  World() : a(Client()), b(Client()) {
    sa.CampaignOn(*a, "m1");
    BOOST_REQUIRE(RunUntil(io, [&] { return sa.term > 0; }));
  }
  std::unique_ptr<EtcdCoordination> Client() {
    EtcdOptions options;
    options.endpoints = {Url(etcd.port())};
    options.lease_ttl = kTtl;
    options.deadline = std::chrono::milliseconds(500);
    return std::make_unique<EtcdCoordination>(
        io, options, [](const std::function<void()>& fn) { fn(); });
  }
  template <typename T, typename Call>
  T Ask(Call&& call) {
    std::optional<T> answer;
    call([&](T given) { answer = std::move(given); });
    BOOST_REQUIRE(RunUntil(io, [&] { return answer.has_value(); }));
    return std::move(*answer);
  }
  Etcd etcd;
  boost::asio::io_context io;
  std::unique_ptr<EtcdCoordination> a, b;
  Seat sa, sb;
};

LogRecord Record(uint64_t index, uint64_t term) {
  return {index, term, false, "batch " + std::to_string(index)};
}

BOOST_AUTO_TEST_SUITE(etcd_coordination)

BOOST_FIXTURE_TEST_CASE(a_successor_only_once_the_lease_is_gone, World) {
  sb.CampaignOn(*b, "m2");
  auto leader = Ask<Result<std::optional<Coordination::Leadership>>>(
      [&](auto done) { b->ReadLeader(done); });
  BOOST_REQUIRE(leader.ok() && leader->has_value());
  BOOST_TEST((*leader)->leader.name == "m1");
  BOOST_TEST((*leader)->leader.control == "m1:1");
  BOOST_TEST((*leader)->term == sa.term);
  // m1 crashes (its lease is not given up): nobody else leads for most of a
  // TTL, then m2 does, with a larger term.
  const auto crashed = std::chrono::steady_clock::now();
  a.reset();
  BOOST_REQUIRE(RunUntil(
      io, [&] { return sb.term > 0; }, kTtl * 4));
  BOOST_TEST((std::chrono::steady_clock::now() - crashed >= kSoonest));
  BOOST_TEST(sb.term > sa.term);
}

BOOST_FIXTURE_TEST_CASE(appends_are_fenced_by_the_term, World) {
  auto append = [&](EtcdCoordination& c, uint64_t term, std::vector<LogRecord> records) {
    return Ask<Result<bool>>([&](auto done) { c.Append(term, records, done); });
  };
  BOOST_TEST(append(*a, sa.term, {Record(1, sa.term), Record(2, sa.term)}).value());
  BOOST_TEST(!append(*a, sa.term, {Record(2, sa.term)}).value());  // taken
  BOOST_TEST(!append(*b, sa.term + 1, {Record(3, sa.term + 1)}).value());
  sb.CampaignOn(*b, "m2");
  a->Resign();  // a clean stop: m2 need not wait for the lease to expire
  BOOST_REQUIRE(RunUntil(
      io, [&] { return sb.term > 0; }, kTtl));
  BOOST_TEST(!append(*a, sa.term, {Record(3, sa.term)}).value());
  BOOST_TEST(append(*b, sb.term, {Record(3, sb.term)}).value());
  auto read = [&](uint64_t from, size_t max_bytes) {
    return Ask<Result<std::vector<LogRecord>>>(
        [&](auto done) { b->Read(from, max_bytes, done); });
  };
  std::vector<LogRecord> records = read(2, 1).value();
  BOOST_REQUIRE_EQUAL(records.size(), 1u);  // the byte budget: at least one
  BOOST_TEST(records[0].index == 2u);
  BOOST_TEST(records[0].fragment == "batch 2");
  BOOST_TEST(Ask<Status>([&](auto done) { b->Trim(2, done); }).ok());
  records = read(1, 1 << 20).value();
  BOOST_REQUIRE_EQUAL(records.size(), 1u);
  BOOST_TEST(records[0].index == 3u);
  BOOST_TEST(records[0].term == sb.term);
  BOOST_TEST(read(4, 1 << 20).value().empty());
}

BOOST_FIXTURE_TEST_CASE(the_lowest_applied_report_bounds_trimming, World) {
  auto lowest = [&](EtcdCoordination& c) {
    return Ask<Result<std::optional<uint64_t>>>(
               [&](auto done) { c.ReadLowestApplied(done); })
        .value();
  };
  auto report = [&](EtcdCoordination& c, const std::string& name, uint64_t index) {
    return Ask<Status>([&](auto done) { c.ReportApplied(name, index, done); });
  };
  BOOST_TEST(!lowest(*a).has_value());  // nobody reported yet
  BOOST_TEST(report(*a, "m1", 7).ok());
  BOOST_TEST(report(*b, "m2", 4).ok());
  BOOST_TEST((lowest(*a) == std::optional<uint64_t>(4)));
  // A report replaces that master's last; a master that stops keeps its own.
  BOOST_TEST(report(*b, "m2", 9).ok());
  a.reset();
  BOOST_TEST((lowest(*b) == std::optional<uint64_t>(7)));
  // A record that is not a number is refused, not read as 0.
  etcd::Client client({Url(etcd.port())}, std::chrono::seconds(2));
  BOOST_REQUIRE(
      client
          .Txn({},
               {{etcd::Op::Kind::kPut, EtcdOptions{}.prefix + "applied/m3", "x", 0, ""}},
               {})
          .ok());
  BOOST_TEST(!Ask<Result<std::optional<uint64_t>>>([&](auto done) {
                b->ReadLowestApplied(done);
              }).ok());
}

BOOST_FIXTURE_TEST_CASE(a_leader_is_deposed_when_etcd_stops_answering, World) {
  etcd.Pause(true);
  const auto paused = std::chrono::steady_clock::now();
  BOOST_REQUIRE(RunUntil(
      io, [&] { return sa.deposed; }, kTtl * 4));
  BOOST_TEST((std::chrono::steady_clock::now() - paused >= kSoonest));
  Result<bool> refused = Ask<Result<bool>>(
      [&](auto done) { a->Append(sa.term, {Record(1, sa.term)}, done); });
  BOOST_TEST(!refused.ok());
  etcd.Pause(false);
  // Back: m1's old term can append nothing (its key went with its lease,
  // or goes when etcd notices), and a new campaign wins a larger term.
  Seat again;
  again.CampaignOn(*a, "m1");
  BOOST_REQUIRE(RunUntil(
      io, [&] { return again.term > 0; }, kTtl * 4));
  BOOST_TEST(again.term > sa.term);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
