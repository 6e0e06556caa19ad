// The layout of a fuzz_frame input, shared by the fuzzer and the seed
// generator so that the checked-in seeds keep meaning what their names say.
//
// Byte 0 chooses how the rest is read; its two low bits are the mode, the
// upper six a chunk size (0: all at once), so that frames split across
// reads are exercised the way a TCP stream delivers them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dds::fuzz {

enum class FrameMode : uint8_t {
  // A stream as the accepting side reads it: a hello frame, then messages.
  kAwaitingHello = 0,
  // A stream as the dialing side reads it: messages from the first frame.
  kOpen = 1,
  // One message payload, no framing: reaches the codec without the fuzzer
  // having to get a length header right first.
  kPayload = 2,
};

inline constexpr int kChunkShift = 2;

inline FrameMode ModeOf(uint8_t selector) {
  const uint8_t mode = selector & 3;
  return mode >= 2 ? FrameMode::kPayload : static_cast<FrameMode>(mode);
}

inline size_t ChunkOf(uint8_t selector) { return selector >> kChunkShift; }

inline uint8_t Selector(FrameMode mode, size_t chunk = 0) {
  return static_cast<uint8_t>(static_cast<uint8_t>(mode) | chunk << kChunkShift);
}

}  // namespace dds::fuzz
