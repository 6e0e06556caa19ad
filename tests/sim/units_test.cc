// Goal: scenario units parse exactly as documented and reject everything
// else. Method: table of good and bad spellings.
#define BOOST_TEST_MODULE sim_unit
#include "sim/units.h"

#include <boost/test/unit_test.hpp>

namespace dds::sim {
namespace {

using std::chrono::microseconds;

BOOST_AUTO_TEST_CASE(durations_in_every_unit) {
  BOOST_TEST(ParseDuration("250ms")->count() == 250000);
  BOOST_TEST(ParseDuration("30s")->count() == 30000000);
  BOOST_TEST(ParseDuration("2m")->count() == 120000000);
  BOOST_TEST(ParseDuration("1h")->count() == 3600000000);
  BOOST_TEST(ParseDuration("15us")->count() == 15);
  BOOST_TEST(ParseDuration("1.5s")->count() == 1500000);
  BOOST_TEST(ParseDuration("0.25ms")->count() == 250);
  BOOST_TEST(ParseDuration("0s")->count() == 0);
}

BOOST_AUTO_TEST_CASE(bad_durations_are_rejected) {
  for (const char* bad : {"", "s", "30", "30 s", "-1s", "1.s", ".5s", "3d", "1e3s", "30S",
                          "99999999999999999999s"}) {
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!ParseDuration(bad).has_value()); }
  }
}

BOOST_AUTO_TEST_CASE(sizes_in_every_unit) {
  BOOST_TEST(*ParseSize("512") == 512u);
  BOOST_TEST(*ParseSize("512B") == 512u);
  BOOST_TEST(*ParseSize("4KiB") == 4096u);
  BOOST_TEST(*ParseSize("1MiB") == 1048576u);
  BOOST_TEST(*ParseSize("2GiB") == 2147483648u);
}

BOOST_AUTO_TEST_CASE(bad_sizes_are_rejected) {
  for (const char* bad :
       {"", "KiB", "4kib", "4KB", "1.5KiB", "-1", "4 KiB", "99999999GiB"}) {
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!ParseSize(bad).has_value()); }
  }
}

BOOST_AUTO_TEST_CASE(seconds_are_printed_with_milliseconds) {
  BOOST_TEST(FormatSeconds(microseconds(12345678)) == "12.345s");
  BOOST_TEST(FormatSeconds(microseconds(0)) == "0.000s");
  BOOST_TEST(FormatSeconds(microseconds(-1500000)) == "-1.500s");
}

}  // namespace
}  // namespace dds::sim
