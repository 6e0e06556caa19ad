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

BOOST_AUTO_TEST_CASE(one_leader_and_a_successor_only_after_the_lease) {
  Harness h;
  auto a = h.Client("m1");
  auto b = h.Client("m2");
  Seat sa, sb;
  sa.CampaignOn(*a, "m1");
  sb.CampaignOn(*b, "m2");
  h.Advance(std::chrono::seconds(1));
  BOOST_TEST(sa.term > 0u);
  BOOST_TEST(sb.term == 0u);
  BOOST_TEST(h.service.leader()->leader.name == "m1");
  // m1 is cut off: for almost a TTL nobody else leads; then m2 does, with a
  // larger term, and m1 knows it was deposed.
  h.service.SetReachable("m1", false);
  h.Advance(kTtl - std::chrono::milliseconds(200));
  BOOST_TEST(sb.term == 0u);
  BOOST_TEST(!sa.deposed);
  h.Advance(std::chrono::milliseconds(400));
  BOOST_TEST(sa.deposed);
  BOOST_TEST(sb.term > sa.term);
  BOOST_TEST(h.service.leader()->leader.name == "m2");
}

BOOST_AUTO_TEST_CASE(appends_are_fenced_by_the_term) {
  Harness h;
  auto a = h.Client("m1");
  auto b = h.Client("m2");
  Seat sa, sb;
  sa.CampaignOn(*a, "m1");
  h.Advance(std::chrono::seconds(1));
  BOOST_TEST(AppendNow(h, *a, sa.term, {Record(1, sa.term), Record(2, sa.term)}).value());
  BOOST_TEST(!AppendNow(h, *a, sa.term, {Record(2, sa.term)}).value());  // taken
  BOOST_TEST(!AppendNow(h, *b, sa.term + 1, {Record(3, sa.term + 1)}).value());
  sb.CampaignOn(*b, "m2");
  h.service.SetReachable("m1", false);
  h.Advance(kTtl + std::chrono::milliseconds(200));
  BOOST_REQUIRE(sb.term > sa.term);
  // The old leader, back, can no longer append; the new one can.
  h.service.SetReachable("m1", true);
  BOOST_TEST(!AppendNow(h, *a, sa.term, {Record(3, sa.term)}).value());
  BOOST_TEST(AppendNow(h, *b, sb.term, {Record(3, sb.term)}).value());
  std::vector<LogRecord> read;
  b->Read(2, 1, [&](Result<std::vector<LogRecord>> r) { read = r.value(); });
  h.Advance(std::chrono::milliseconds(100));
  BOOST_REQUIRE_EQUAL(read.size(), 1u);  // the byte budget: at least one
  BOOST_TEST(read[0].index == 2u);
  b->Trim(2, [](Status s) { BOOST_TEST(s.ok()); });
  b->Read(1, 1 << 20, [&](Result<std::vector<LogRecord>> r) { read = r.value(); });
  h.Advance(std::chrono::milliseconds(100));
  BOOST_REQUIRE_EQUAL(read.size(), 1u);
  BOOST_TEST(read[0].index == 3u);
  BOOST_TEST(read[0].term == sb.term);
}

BOOST_AUTO_TEST_CASE(a_crashed_leader_lease_expires_and_a_restart_starts_afresh) {
  Harness h;
  auto a = h.Client("m1");
  auto b = h.Client("m2");
  Seat sa, sb;
  sa.CampaignOn(*a, "m1");
  sb.CampaignOn(*b, "m2");
  h.Advance(std::chrono::seconds(1));
  const uint64_t first = sa.term;
  a.reset();  // m1's process crashes and restarts at once, campaigning again
  a = h.Client("m1");
  Seat again;
  again.CampaignOn(*a, "m1");
  h.Advance(kTtl - std::chrono::milliseconds(200));
  BOOST_TEST(sb.term == 0u);  // the old lease still holds the key
  h.Advance(std::chrono::milliseconds(400));
  BOOST_TEST(sb.term > first);  // m2 campaigned before the restarted m1
  BOOST_TEST(again.term == 0u);
  BOOST_TEST(!sa.deposed);  // that process is gone: nothing is delivered to it
}

BOOST_AUTO_TEST_CASE(while_the_service_is_down_nothing_is_decided) {
  Harness h;
  auto a = h.Client("m1");
  auto b = h.Client("m2");
  Seat sa, sb;
  sa.CampaignOn(*a, "m1");
  sb.CampaignOn(*b, "m2");
  h.Advance(std::chrono::seconds(1));
  h.service.SetAvailable(false);
  Result<bool> down = AppendNow(h, *a, sa.term, {Record(1, sa.term)});
  BOOST_TEST(!down.ok());
  h.Advance(kTtl * 3);
  BOOST_TEST(sa.deposed);
  BOOST_TEST(sb.term == 0u);
  BOOST_TEST(!h.service.leader());
  h.service.SetAvailable(true);
  h.Advance(std::chrono::milliseconds(200));
  BOOST_TEST(sb.term > sa.term);
  BOOST_TEST(h.service.log().empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds::sim
