// Goal: the simulated coordination service keeps the promises standby
// masters rely on (core/coordination.h): one leader at a time, terms that
// grow, a leader deposed once it cannot renew its lease for a TTL (cut off,
// crashed, the service down) and not before, the next candidate elected
// only then, appends fenced by the term, reads in order, trims.
#include <boost/test/unit_test.hpp>
#include <deque>
#include <memory>

#include "sim/sim_coordination.h"
#include "tests/coordination_seat.h"

namespace dds::sim {
namespace {

using testing::Seat;

constexpr Duration kTtl = std::chrono::seconds(3);

// The service, its clients' answers in a queue, and a clock.
struct Harness {
  SimCoordinationService service{kTtl};
  std::deque<std::function<void()>> answers;
  Instant now{};

  std::unique_ptr<SimCoordination> Client(const std::string& name) {
    return std::make_unique<SimCoordination>(
        service, name,
        [this](std::function<void()> fn) { answers.push_back(std::move(fn)); });
  }
  // Lets `d` pass in steps of 100 ms, delivering answers as they come.
  void Advance(Duration d) {
    for (Instant end = now + d; now < end;) {
      now += std::chrono::milliseconds(100);
      service.Tick(now);
      while (!answers.empty()) {
        auto fn = std::move(answers.front());
        answers.pop_front();
        fn();
      }
    }
  }
};

// Two masters, m1 (`a`) and m2 (`b`), over one service.
struct TwoMasters : Harness {
  std::unique_ptr<SimCoordination> a = Client("m1");
  std::unique_ptr<SimCoordination> b = Client("m2");
  Seat sa, sb;
  // m1 campaigns first (m2 too, if asked) and, a second later, leads.
  void Elect(bool m2_campaigns) {
    sa.CampaignOn(*a, "m1");
    if (m2_campaigns) sb.CampaignOn(*b, "m2");
    Advance(std::chrono::seconds(1));
  }
};

LogRecord Record(uint64_t index, uint64_t term) {
  return {index, term, false, "batch " + std::to_string(index)};
}

// Appends through `c` and returns the answer once it came.
Result<bool> AppendNow(Harness& h, Coordination& c, uint64_t term,
                       std::vector<LogRecord> records) {
  Result<bool> answer = Status::IOError("no answer");
  c.Append(term, std::move(records), [&](Result<bool> r) { answer = r; });
  h.Advance(std::chrono::milliseconds(100));
  return answer;
}

BOOST_AUTO_TEST_SUITE(sim_coordination)

BOOST_FIXTURE_TEST_CASE(one_leader_and_a_successor_only_after_the_lease, TwoMasters) {
  Elect(/*m2_campaigns=*/true);
  BOOST_TEST(sa.term > 0u);
  BOOST_TEST(sb.term == 0u);
  BOOST_TEST(service.leader()->leader.name == "m1");
  // m1 is cut off: for almost a TTL nobody else leads; then m2 does, with a
  // larger term, and m1 knows it was deposed.
  service.SetReachable("m1", false);
  Advance(kTtl - std::chrono::milliseconds(200));
  BOOST_TEST(sb.term == 0u);
  BOOST_TEST(!sa.deposed);
  Advance(std::chrono::milliseconds(400));
  BOOST_TEST(sa.deposed);
  BOOST_TEST(sb.term > sa.term);
  BOOST_TEST(service.leader()->leader.name == "m2");
}

BOOST_FIXTURE_TEST_CASE(appends_are_fenced_by_the_term, TwoMasters) {
  Elect(/*m2_campaigns=*/false);
  BOOST_TEST(
      AppendNow(*this, *a, sa.term, {Record(1, sa.term), Record(2, sa.term)}).value());
  BOOST_TEST(!AppendNow(*this, *a, sa.term, {Record(2, sa.term)}).value());  // taken
  BOOST_TEST(!AppendNow(*this, *b, sa.term + 1, {Record(3, sa.term + 1)}).value());
  sb.CampaignOn(*b, "m2");
  service.SetReachable("m1", false);
  Advance(kTtl + std::chrono::milliseconds(200));
  BOOST_REQUIRE(sb.term > sa.term);
  // The old leader, back, can no longer append; the new one can.
  service.SetReachable("m1", true);
  BOOST_TEST(!AppendNow(*this, *a, sa.term, {Record(3, sa.term)}).value());
  BOOST_TEST(AppendNow(*this, *b, sb.term, {Record(3, sb.term)}).value());
  std::vector<LogRecord> read;
  b->Read(2, 1, [&](Result<std::vector<LogRecord>> r) { read = r.value(); });
  Advance(std::chrono::milliseconds(100));
  BOOST_REQUIRE_EQUAL(read.size(), 1u);  // the byte budget: at least one
  BOOST_TEST(read[0].index == 2u);
  b->Trim(2, [](Status s) { BOOST_TEST(s.ok()); });
  b->Read(1, 1 << 20, [&](Result<std::vector<LogRecord>> r) { read = r.value(); });
  Advance(std::chrono::milliseconds(100));
  BOOST_REQUIRE_EQUAL(read.size(), 1u);
  BOOST_TEST(read[0].index == 3u);
  BOOST_TEST(read[0].term == sb.term);
}

BOOST_FIXTURE_TEST_CASE(the_lowest_applied_report_bounds_trimming, TwoMasters) {
  std::optional<uint64_t> lowest = 99;
  auto read_lowest = [&] {
    a->ReadLowestApplied([&](Result<std::optional<uint64_t>> r) { lowest = r.value(); });
    Advance(std::chrono::milliseconds(100));
  };
  read_lowest();
  BOOST_TEST(!lowest.has_value());  // nobody reported yet
  a->ReportApplied("m1", 7, [](Status s) { BOOST_TEST(s.ok()); });
  b->ReportApplied("m2", 4, [](Status s) { BOOST_TEST(s.ok()); });
  Advance(std::chrono::milliseconds(100));
  read_lowest();
  BOOST_TEST((lowest == std::optional<uint64_t>(4)));
  // A report replaces that master's last; a master that stops keeps its own.
  b->ReportApplied("m2", 9, [](Status s) { BOOST_TEST(s.ok()); });
  Advance(std::chrono::milliseconds(100));
  a.reset();
  b->ReadLowestApplied([&](Result<std::optional<uint64_t>> r) { lowest = r.value(); });
  Advance(std::chrono::milliseconds(100));
  BOOST_TEST((lowest == std::optional<uint64_t>(7)));
}

BOOST_FIXTURE_TEST_CASE(a_crashed_leader_lease_expires_and_a_restart_starts_afresh,
                        TwoMasters) {
  Elect(/*m2_campaigns=*/true);
  const uint64_t first = sa.term;
  a.reset();  // m1's process crashes and restarts at once, campaigning again
  a = Client("m1");
  Seat again;
  again.CampaignOn(*a, "m1");
  Advance(kTtl - std::chrono::milliseconds(200));
  BOOST_TEST(sb.term == 0u);  // the old lease still holds the key
  Advance(std::chrono::milliseconds(400));
  BOOST_TEST(sb.term > first);  // m2 campaigned before the restarted m1
  BOOST_TEST(again.term == 0u);
  BOOST_TEST(!sa.deposed);  // that process is gone: nothing is delivered to it
}

BOOST_FIXTURE_TEST_CASE(while_the_service_is_down_nothing_is_decided, TwoMasters) {
  Elect(/*m2_campaigns=*/true);
  service.SetAvailable(false);
  Result<bool> down = AppendNow(*this, *a, sa.term, {Record(1, sa.term)});
  BOOST_TEST(!down.ok());
  Advance(kTtl * 3);
  BOOST_TEST(sa.deposed);
  BOOST_TEST(sb.term == 0u);
  BOOST_TEST(!service.leader());
  service.SetAvailable(true);
  Advance(std::chrono::milliseconds(200));
  BOOST_TEST(sb.term > sa.term);
  BOOST_TEST(service.log().empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds::sim
