// Binary encoding of protocol messages and of durable records.
//
// Layout: one byte protocol version, one byte type tag (the Message variant
// index), then the fields in Tie() order: integers little-endian fixed width,
// bool as one byte, strings and vectors as a u32 length then the elements.
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

inline constexpr uint8_t kProtocolVersion = 1;
// The largest encoded message either side accepts. A chunk is at most
// kMaxChunkBytes of data, so this leaves room for its header.
inline constexpr uint64_t kMaxMessageBytes = 8ull << 20;

std::string Encode(const Message& message);
Result<Message> Decode(std::string_view bytes);

// A human-readable one-line rendering of every field (data fields shown by
// length), for traces.
std::string Describe(const Message& message);

// Durable records kept in a MetaStore.
std::string EncodeEntry(const CatalogEntry& entry);
Result<CatalogEntry> DecodeEntry(std::string_view bytes);

}  // namespace dds
