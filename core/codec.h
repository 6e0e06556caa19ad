// Binary encoding of protocol messages.
//
// Layout: one byte protocol version, one byte type tag (the Message variant
// index), then the fields in Tie() order as core/wire.h writes them.
// Decoding is total: any byte string gives a message or an error, never a
// crash, and never allocates more than the input could justify.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/messages.h"
#include "core/status.h"

namespace dds {

inline constexpr uint8_t kProtocolVersion = 1;
// The largest encoded message either side accepts. A chunk is at most
// kMaxChunkBytes of data, so this leaves room for its header.
inline constexpr uint64_t kMaxMessageBytes = 8ull << 20;
inline constexpr uint64_t kMaxChunkBytes = 4ull << 20;
static_assert(kMaxChunkBytes + 4096 < kMaxMessageBytes,
              "a chunk and its header fit a message");

std::string Encode(const Message& message);
Result<Message> Decode(std::string_view bytes);

// A human-readable one-line rendering of every field (data fields shown by
// length), for traces.
std::string Describe(const Message& message);

}  // namespace dds
