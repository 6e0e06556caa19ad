// Goal: the event loop runs events in time order, same-time events in the
// order they were scheduled, and stops where told. Method: record the order,
// for a few events and for thousands at random times.
#include "sim/event_loop.h"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/random.h"

namespace dds::sim {
namespace {

using std::chrono::milliseconds;

BOOST_AUTO_TEST_CASE(time_order_then_fifo) {
  EventLoop loop;
  std::string order;
  loop.At(Instant(milliseconds(5)), [&] { order += "c"; });
  loop.At(Instant(milliseconds(1)), [&] { order += "a"; });
  loop.At(Instant(milliseconds(5)), [&] { order += "d"; });
  loop.At(Instant(milliseconds(1)), [&] {
    order += "b";
    loop.After(milliseconds(0), [&] { order += "B"; });  // same time, after "b"
  });
  loop.RunUntil(Instant(milliseconds(10)));
  BOOST_TEST(order == "abBcd");
  BOOST_TEST(loop.events_run() == 5u);
  BOOST_TEST(ToMillis(loop.Now()) == 10);
}

BOOST_AUTO_TEST_CASE(stops_at_the_limit_and_on_request) {
  EventLoop loop;
  int ran = 0;
  loop.At(Instant(milliseconds(1)), [&] { ++ran; });
  loop.At(Instant(milliseconds(3)), [&] {
    ++ran;
    loop.Stop();
  });
  loop.At(Instant(milliseconds(4)), [&] { ++ran; });
  loop.RunUntil(Instant(milliseconds(2)));
  BOOST_TEST(ran == 1);
  BOOST_TEST(ToMillis(loop.Now()) == 2);
  loop.RunUntil(Instant(milliseconds(10)));
  BOOST_TEST(ran == 2);
  BOOST_TEST(loop.stopped());
  BOOST_TEST(loop.pending() == 1u);
}

BOOST_AUTO_TEST_CASE(many_events_run_in_time_then_fifo_order) {
  // Enough events, at few enough distinct times, to drive the heap through
  // many levels with ties; some schedule more as they run.
  EventLoop loop;
  SplitMix64 random(3);
  std::vector<std::pair<int64_t, int>> ran;  // (time, scheduling order)
  int scheduled = 0;
  std::function<void(int)> add = [&](int depth) {
    int64_t at =
        ToMillis(loop.Now()) + static_cast<int64_t>(UniformBelow(random.Next(), 50));
    int id = scheduled++;
    loop.At(Instant(milliseconds(at)), [&, at, id, depth] {
      ran.emplace_back(at, id);
      if (depth > 0) add(depth - 1);
    });
  };
  for (int i = 0; i < 2000; ++i) add(i % 3);
  loop.RunUntil(Instant(milliseconds(1000)));
  BOOST_TEST(ran.size() == static_cast<size_t>(scheduled));
  BOOST_TEST(std::is_sorted(ran.begin(), ran.end()));
}

}  // namespace
}  // namespace dds::sim
