// libFuzzer target for the control port's input side: the frame reader, the
// hello and the message codec, fed the way runtime/transport.cc feeds them.
// The input's layout is in fuzz/frame_input.h.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/check.h"
#include "core/codec.h"
#include "fuzz/frame_input.h"
#include "runtime/frame.h"

namespace dds::fuzz {
namespace {

// Whether `payload` decodes. A message that decodes must encode back to the
// same bytes (every field has one encoding and Decode refuses trailing
// bytes), so relaying or re-sending a message never changes it; and framing
// it must give back the payload through a reader.
bool TakeMessage(std::string_view payload) {
  Result<Message> message = Decode(payload);
  if (!message.ok()) return false;
  Result<std::string> encoded = Encode(*message);
  DDS_CHECK(encoded.ok());
  DDS_CHECK(*encoded == payload);
  Result<std::string> frame = FrameMessage(*message);
  DDS_CHECK(frame.ok());
  FrameReader reader;
  reader.Append(*frame);
  std::string back;
  Result<bool> next = reader.Next(&back);
  DDS_CHECK(next.ok() && *next && back == payload && reader.buffered() == 0);
  DDS_CHECK(!Describe(*message).empty());
  return true;
}

// Whether `payload` is a hello. An accepted address is what frame.h promises
// (short printable ASCII, no spaces) and frames back to the same payload.
bool TakeHello(std::string_view payload) {
  Result<std::string> address = ParseHello(payload);
  if (!address.ok()) return false;
  DDS_CHECK(!address->empty() && address->size() <= kMaxHelloAddressBytes);
  DDS_CHECK(std::all_of(address->begin(), address->end(),
                        [](char c) { return c > ' ' && c <= '~'; }));
  DDS_CHECK(std::string_view(FrameHello(*address)).substr(kFrameHeaderBytes) == payload);
  return true;
}

// Reads `stream` in pieces of `chunk` bytes (all at once for 0) and stops
// where the transport would close the connection: at a bad frame, a bad
// hello or an undecodable message.
void ReadStream(std::string_view stream, size_t chunk, bool awaiting_hello) {
  FrameReader reader;
  size_t appended = 0;
  size_t taken = 0;
  std::string payload;
  while (appended < stream.size()) {
    const size_t piece = chunk == 0 ? stream.size() : chunk;
    reader.Append(stream.substr(appended, piece));
    appended = std::min(stream.size(), appended + piece);
    for (;;) {
      Result<bool> next = reader.Next(&payload);
      if (!next.ok()) return;
      if (!*next) break;
      DDS_CHECK(!payload.empty() && payload.size() <= kMaxMessageBytes);
      taken += kFrameHeaderBytes + payload.size();
      const bool taken_ok = awaiting_hello ? TakeHello(payload) : TakeMessage(payload);
      if (!taken_ok) return;
      awaiting_hello = false;
    }
    // Every byte is either returned in a frame or still buffered.
    DDS_CHECK(taken + reader.buffered() == appended);
  }
}

}  // namespace
}  // namespace dds::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dds::fuzz;
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (ModeOf(data[0])) {
    case FrameMode::kAwaitingHello:
      ReadStream(rest, ChunkOf(data[0]), true);
      break;
    case FrameMode::kOpen:
      ReadStream(rest, ChunkOf(data[0]), false);
      break;
    case FrameMode::kPayload:
      TakeMessage(rest);
      break;
  }
  return 0;
}
