// Vocabulary types shared by the core, the runtime and the simulator:
// time on the environment's clock, content digests, and addresses.
#pragma once

#include <array>
#include <chrono>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dds {

// The environment's clock: virtual time in the simulator, a monotonic clock in
// the runtime. The core only ever sees instants handed to it by its Env.
struct EnvClock {
  using duration = std::chrono::microseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<EnvClock>;
  static constexpr bool is_steady = true;
};
using Duration = std::chrono::microseconds;
using Instant = EnvClock::time_point;

// Milliseconds as a plain number, for logs and traces.
inline int64_t ToMillis(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}
inline int64_t ToMillis(Instant t) { return ToMillis(t.time_since_epoch()); }

// A SHA-256 content digest. Computed by the environment (the runtime uses
// OpenSSL); the core only compares and copies them.
struct Digest {
  std::array<uint8_t, 32> bytes{};

  std::string Hex() const;
  std::string ShortHex() const { return Hex().substr(0, 8); }
  static std::optional<Digest> FromHex(std::string_view hex);
  auto operator<=>(const Digest&) const = default;
};

// Where a process listens for protocol messages: "host:port" in the runtime,
// the process name in the simulator. Opaque to the core.
using Address = std::string;

// FNV-1a, 64-bit: a stable hash for digests that must not depend on the
// standard library's std::hash (which differs between implementations).
uint64_t Fnv1a64(std::string_view data, uint64_t seed = 14695981039346656037ull);

}  // namespace dds
