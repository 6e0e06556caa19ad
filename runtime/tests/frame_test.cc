// FrameReader and hello framing: split streams, limits, bad hellos.
#include "runtime/frame.h"

#include <boost/test/unit_test.hpp>

#include "core/codec.h"

namespace dds {
namespace {

BOOST_AUTO_TEST_SUITE(frame)

BOOST_AUTO_TEST_CASE(reassembles_frames_split_at_every_byte) {
  const std::string stream = FrameHello("127.0.0.1:7000") +
                             FrameMessage(Heartbeat{"n1", {}, 1, 42}).value() +
                             FrameMessage(CatalogRequest{"n2", {}}).value();
  FrameReader reader;
  std::vector<std::string> payloads;
  std::string payload;
  for (const char byte : stream) {
    reader.Append(std::string_view(&byte, 1));
    for (;;) {
      auto next = reader.Next(&payload);
      BOOST_REQUIRE(next.ok());
      if (!*next) break;
      payloads.push_back(payload);
    }
  }
  BOOST_REQUIRE_EQUAL(payloads.size(), 3u);
  BOOST_TEST(ParseHello(payloads[0]).value() == "127.0.0.1:7000");
  auto heartbeat = Decode(payloads[1]);
  BOOST_REQUIRE(heartbeat.ok());
  BOOST_TEST(std::get<Heartbeat>(*heartbeat).held_digest == 42u);
  BOOST_TEST(reader.buffered() == 0u);
}

BOOST_AUTO_TEST_CASE(rejects_oversized_and_empty_frames) {
  for (const uint64_t length : {uint64_t{0}, kMaxMessageBytes + 1}) {
    std::string header;
    for (int i = 0; i < 4; ++i)
      header.push_back(static_cast<char>((length >> (8 * i)) & 0xff));
    FrameReader reader;
    reader.Append(header);
    std::string payload;
    BOOST_TEST(!reader.Next(&payload).ok());
  }
}

BOOST_AUTO_TEST_CASE(a_reader_awaiting_a_hello_refuses_a_tls_client_at_once) {
  // The first bytes of a TLS ClientHello record: read as a frame header they
  // announce 66,326 bytes, which would otherwise be waited for.
  FrameReader reader;
  reader.set_limit(kMaxHelloBytes);
  reader.Append(std::string("\x16\x03\x01\x00\xf4\x01", 6));
  std::string payload;
  BOOST_TEST(!reader.Next(&payload).ok());
  FrameReader hello_reader;
  hello_reader.set_limit(kMaxHelloBytes);
  hello_reader.Append(FrameHello(std::string(kMaxHelloAddressBytes, 'a')));
  BOOST_TEST(hello_reader.Next(&payload).value());
}

BOOST_AUTO_TEST_CASE(refuses_to_frame_a_message_over_the_limit) {
  Chunks chunks;
  for (int i = 0; i < 9; ++i) chunks.items.push_back({1, 0, std::string(1 << 20, 'x')});
  BOOST_TEST(!FrameMessage(chunks).ok());
  chunks.items.resize(7);
  BOOST_TEST(FrameMessage(chunks).ok());
}

BOOST_AUTO_TEST_CASE(rejects_bad_hellos) {
  BOOST_TEST(!ParseHello("HTTP/1.1 GET /").ok());
  BOOST_TEST(!ParseHello(std::string(kHelloMagic)).ok());
  BOOST_TEST(!ParseHello(std::string(kHelloMagic) + "a b").ok());
  BOOST_TEST(!ParseHello(std::string(kHelloMagic) + std::string(300, 'x')).ok());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
