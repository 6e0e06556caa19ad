// Goal: the project's PRNG and distributions are reproducible and in range.
#include "core/random.h"

#include <boost/test/unit_test.hpp>

namespace dds {
namespace {

BOOST_AUTO_TEST_SUITE(random)

BOOST_AUTO_TEST_CASE(same_seed_same_stream) {
  SplitMix64 a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    uint64_t x = a.Next();
    BOOST_TEST(x == b.Next());
    differs = differs || x != c.Next();
  }
  BOOST_TEST(differs);
  // A fixed value pins the algorithm: the trace digests depend on it.
  BOOST_TEST(SplitMix64(0).Next() == 0xe220a8397b1dcdafull);
}

BOOST_AUTO_TEST_CASE(uniform_below_stays_in_range_and_covers_it) {
  SplitMix64 rng(7);
  std::vector<int> counts(10, 0);
  for (int i = 0; i < 10000; ++i) {
    uint64_t v = UniformBelow(rng.Next(), 10);
    BOOST_TEST_REQUIRE(v < 10u);
    counts[v]++;
  }
  for (int c : counts) BOOST_TEST((c > 850 && c < 1150));
  double u = UniformUnit(~0ull);
  BOOST_TEST((u < 1.0 && u >= 0.0));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
