// Distributions built on an Env's 64-bit random source.
//
// Written here rather than taken from <random> because the standard
// library's distributions differ between implementations, and the simulator
// must give the same run for the same seed everywhere.
#pragma once

#include <cstdint>

namespace dds {

// SplitMix64: the project's PRNG (small state, passes BigCrush as a stream
// generator, trivially seeded). Used by the simulator; also handy in tests.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next();

 private:
  uint64_t state_;
};

// A uniform integer in [0, bound), without modulo bias (Lemire's method).
// REQUIRES: bound > 0.
uint64_t UniformBelow(uint64_t random64, uint64_t bound);

// A uniform value in [0, 1).
double UniformUnit(uint64_t random64);

}  // namespace dds
