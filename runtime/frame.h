// Framing of the control transport's TCP byte stream.
//
// A frame is a u32 little-endian payload length followed by the payload.
// The first frame a dialing process sends is a hello (kHelloMagic followed by
// its listen address), so the receiver can attribute later frames to that
// address and answer over the same connection. Every later frame carries one
// dds::Encode(Message). Frames larger than kMaxMessageBytes, or empty, are a
// protocol error: the connection is closed, never the process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/codec.h"
#include "core/messages.h"
#include "core/status.h"

namespace dds {

inline constexpr size_t kFrameHeaderBytes = 4;
// "DDS hello, framing version 1". Versioned separately from the message codec
// (which carries its own version byte) so the framing itself can evolve.
inline constexpr std::string_view kHelloMagic = "DDSHELO1";
inline constexpr size_t kMaxHelloAddressBytes = 255;
inline constexpr size_t kMaxHelloBytes = kHelloMagic.size() + kMaxHelloAddressBytes;

// The frame of `message`; InvalidArgument if it is over kMaxMessageBytes
// (the core never builds one: core/outbox.h).
Result<std::string> FrameMessage(const Message& message);
std::string FrameHello(std::string_view self_address);
// The address a hello payload announces, or InvalidArgument.
Result<std::string> ParseHello(std::string_view payload);

// Splits a byte stream into frame payloads as bytes arrive.
class FrameReader {
 public:
  void Append(std::string_view bytes);
  // Moves the next complete payload into `*payload` and returns true; false
  // when more bytes are needed; an error when the stream is invalid.
  Result<bool> Next(std::string* payload);
  // The largest payload accepted (kMaxMessageBytes unless set). A receiver
  // awaiting a hello sets kMaxHelloBytes, so a stream that is not dds (a
  // TLS client on a plaintext port) is refused at its first bytes rather
  // than waited on for a frame that never completes.
  void set_limit(size_t max_payload) { limit_ = max_payload; }
  // Bytes received but not yet returned as a payload.
  size_t buffered() const { return buffer_.size() - consumed_; }

 private:
  std::string buffer_;
  size_t consumed_ = 0;  // prefix of buffer_ already returned
  size_t limit_ = kMaxMessageBytes;
};

}  // namespace dds
