// The project's PRNG and distributions (see random.h for why they are ours).
#include "core/random.h"

#include "core/check.h"

namespace dds {

uint64_t SplitMix64::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t UniformBelow(uint64_t random64, uint64_t bound) {
  DDS_CHECK(bound > 0);
  // Multiply-shift (Lemire): maps the 64-bit value onto [0, bound). The bias
  // is below bound / 2^64, far under anything a simulation can observe.
  __extension__ using Wide = unsigned __int128;
  return static_cast<uint64_t>((static_cast<Wide>(random64) * bound) >> 64);
}

double UniformUnit(uint64_t random64) {
  // The top 53 bits fill a double's mantissa exactly.
  return static_cast<double>(random64 >> 11) * 0x1.0p-53;
}

}  // namespace dds
