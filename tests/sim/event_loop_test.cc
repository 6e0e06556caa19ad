// Goal: the event loop runs events in time order, same-time events in the
// order they were scheduled, and stops where told. Method: record the order.
#include "sim/event_loop.h"

#include <boost/test/unit_test.hpp>
#include <string>

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

}  // namespace
}  // namespace dds::sim
