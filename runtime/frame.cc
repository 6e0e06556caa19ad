// Frame encoding and incremental decoding; see frame.h.
#include "runtime/frame.h"

#include "core/codec.h"

namespace dds {
namespace {

// Writes the header into the first kFrameHeaderBytes of `frame`.
void FillHeader(std::string& frame) {
  const auto length = static_cast<uint32_t>(frame.size() - kFrameHeaderBytes);
  for (size_t i = 0; i < kFrameHeaderBytes; ++i) {
    frame[i] = static_cast<char>((length >> (8 * i)) & 0xff);
  }
}

// What a peer may announce as its address: printable ASCII without spaces.
bool IsPlausibleAddress(std::string_view address) {
  if (address.empty() || address.size() > kMaxHelloAddressBytes) return false;
  for (const char c : address) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

}  // namespace

Result<std::string> FrameMessage(const Message& message) {
  Result<std::string> frame = Encode(message, kFrameHeaderBytes);
  if (!frame.ok()) return frame.status();
  FillHeader(*frame);
  return frame;
}

std::string FrameHello(std::string_view self_address) {
  std::string frame(kFrameHeaderBytes, '\0');
  frame.append(kHelloMagic).append(self_address);
  FillHeader(frame);
  return frame;
}

Result<std::string> ParseHello(std::string_view payload) {
  if (payload.substr(0, kHelloMagic.size()) != kHelloMagic) {
    return Status::InvalidArgument("first frame is not a dds hello");
  }
  const std::string_view address = payload.substr(kHelloMagic.size());
  if (!IsPlausibleAddress(address)) {
    return Status::InvalidArgument("hello carries an invalid address");
  }
  return std::string(address);
}

void FrameReader::Append(std::string_view bytes) {
  // Drop what was consumed before growing, so the buffer stays about one
  // frame long rather than the whole history of the connection.
  if (consumed_ > 0) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  buffer_.append(bytes);
}

Result<bool> FrameReader::Next(std::string* payload) {
  const std::string_view rest = std::string_view(buffer_).substr(consumed_);
  if (rest.size() < kFrameHeaderBytes) return false;
  uint64_t length = 0;
  for (size_t i = 0; i < kFrameHeaderBytes; ++i) {
    length |= uint64_t{static_cast<uint8_t>(rest[i])} << (8 * i);
  }
  if (length == 0 || length > limit_) {
    return Status::InvalidArgument("frame of " + std::to_string(length) +
                                   " bytes (limit " + std::to_string(limit_) + ")");
  }
  if (rest.size() < kFrameHeaderBytes + length) return false;
  payload->assign(rest.substr(kFrameHeaderBytes, length));
  consumed_ += kFrameHeaderBytes + length;
  return true;
}

}  // namespace dds
