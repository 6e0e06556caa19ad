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

#include "core/entry.h"
#include "core/messages.h"
#include "core/status.h"

namespace dds {

// 4: Welcome carries the leader's term; NotLeader (standby masters).
inline constexpr uint8_t kProtocolVersion = 4;
// The largest encoded message either side accepts, and the most Encode
// builds: bulk exchanges page (core/batch.h) instead of growing a message.
inline constexpr uint64_t kMaxMessageBytes = 8ull << 20;
// A batch message (many items) is closed once the next item would take it
// past this; a batch always takes its first item, so the largest message is
// this plus the largest item.
inline constexpr uint64_t kMaxBatchBytes = 1ull << 20;
// The largest single item: a file's chunk digests (a catalog entry or a
// change of a file of kMaxFileBytes) or a chunk of data, plus a path.
inline constexpr uint64_t kMaxItemBytes =
    (kMaxFileBytes / kChunkBytes) * 32 + kChunkBytes + (64 << 10);
static_assert(kMaxBatchBytes + kMaxItemBytes + 4096 < kMaxMessageBytes,
              "a full batch and one more item fit a message");

// The message's encoding; InvalidArgument (and nothing built) if it would
// exceed kMaxMessageBytes. With `front`, the encoding starts after that many
// zero bytes, for a transport's frame header (one allocation, no copy).
Result<std::string> Encode(const Message& message, size_t front = 0);
Result<Message> Decode(std::string_view bytes);

// A human-readable one-line rendering of every field (data fields shown by
// length), for traces.
std::string Describe(const Message& message);

}  // namespace dds
