// Writes the seed corpus of fuzz_frame (fuzz/corpus/fuzz_frame): one payload
// of every message kind with every field filled, streams as each side of a
// connection reads them, and a few broken ones. The seeds are encoded by the
// codec itself, so after a protocol change (a new message, a new field, a
// version bump) running this again keeps them valid.
// Usage: fuzz_frame_seeds DIR
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "core/codec.h"
#include "fuzz/frame_input.h"
#include "runtime/frame.h"

namespace dds::fuzz {
namespace {

// Gives every field a distinct value (strings are paths) and every list two
// items, so each seed reaches every field of its message.
class Filler {
 public:
  void Fill(bool& v) { v = true; }
  void Fill(uint8_t& v) { v = static_cast<uint8_t>(Next()); }
  void Fill(uint64_t& v) { v = Next(); }
  void Fill(int64_t& v) { v = 1700000000 + static_cast<int64_t>(Next()); }
  void Fill(std::string& v) { v = "docs/f" + std::to_string(Next()) + ".txt"; }
  void Fill(Digest& v) {
    const uint64_t n = Next();
    for (size_t i = 0; i < v.bytes.size(); ++i) v.bytes[i] = static_cast<uint8_t>(n + i);
  }
  template <typename T>
  void Fill(std::vector<T>& v) {
    v.resize(2);
    for (T& item : v) Fill(item);
  }
  template <typename T>
  requires requires(T& t) { T::Tie(t); }
  void Fill(T& record) {
    std::apply([this](auto&... field) { (Fill(field), ...); }, T::Tie(record));
  }

 private:
  uint64_t Next() { return ++counter_; }
  uint64_t counter_ = 0;
};

template <size_t I>
Message Filled() {
  std::variant_alternative_t<I, Message> m{};
  Filler().Fill(m);
  return m;
}

template <size_t... I>
std::vector<Message> EveryKind(std::index_sequence<I...>) {
  return {Filled<I>()...};
}

std::string Framed(const Message& m) { return FrameMessage(m).value(); }

std::string Header(uint32_t length) {
  std::string header;
  for (size_t i = 0; i < kFrameHeaderBytes; ++i) {
    header.push_back(static_cast<char>(length >> (8 * i)));
  }
  return header;
}

void Write(const std::string& dir, std::string_view name, uint8_t selector,
           std::string_view body) {
  std::ofstream out(dir + "/" + std::string(name), std::ios::binary);
  out.put(static_cast<char>(selector));
  out.write(body.data(), static_cast<std::streamsize>(body.size()));
  if (!out) {
    std::fprintf(stderr, "fuzz_frame_seeds: cannot write %s/%s\n", dir.c_str(),
                 std::string(name).c_str());
    std::exit(1);
  }
}

}  // namespace
}  // namespace dds::fuzz

int main(int argc, char** argv) {
  using namespace dds;
  using namespace dds::fuzz;
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_frame_seeds DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  const std::vector<Message> kinds =
      EveryKind(std::make_index_sequence<std::variant_size_v<Message>>());
  const auto payload = Selector(FrameMode::kPayload);
  for (const Message& m : kinds) {
    Write(dir, std::string("payload-") + MessageName(m), payload, Encode(m).value());
  }
  std::string wrong_version = Encode(kinds[0]).value();
  wrong_version[0] = static_cast<char>(kProtocolVersion + 1);
  Write(dir, "payload-bad-version", payload, wrong_version);
  Write(dir, "payload-unknown-type", payload,
        std::string{static_cast<char>(kProtocolVersion),
                    static_cast<char>(std::variant_size_v<Message>)});

  // As the accepting side reads a connection: the hello, then messages; once
  // whole and once in pieces of 3 bytes.
  const std::string accepted = FrameHello("127.0.0.1:5558") +
                               Framed(kinds[kMessageIndex<Register>]) +
                               Framed(kinds[kMessageIndex<Heartbeat>]);
  Write(dir, "stream-hello-register-heartbeat", Selector(FrameMode::kAwaitingHello),
        accepted);
  Write(dir, "stream-hello-in-pieces", Selector(FrameMode::kAwaitingHello, 3), accepted);
  Write(dir, "stream-not-a-hello", Selector(FrameMode::kAwaitingHello),
        Framed(kinds[kMessageIndex<Register>]));
  // As the dialing side reads it: messages from the first frame.
  Write(dir, "stream-open-fetch-chunks", Selector(FrameMode::kOpen),
        Framed(kinds[kMessageIndex<Fetch>]) + Framed(kinds[kMessageIndex<Chunks>]) +
            Framed(RegisterPlease{}));
  Write(dir, "stream-open-truncated", Selector(FrameMode::kOpen, 1),
        Framed(kinds[kMessageIndex<Welcome>]).substr(0, 20));
  Write(dir, "stream-open-empty-frame", Selector(FrameMode::kOpen), Header(0));
  Write(dir, "stream-open-oversized-frame", Selector(FrameMode::kOpen),
        Header(static_cast<uint32_t>(kMaxMessageBytes + 1)));
  return 0;
}
