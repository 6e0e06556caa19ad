// Goal: every message survives an encode/decode round trip, and decoding
// arbitrary bytes never crashes or over-allocates. Method: round trips of
// filled messages, then every truncation, and seeded random garbage.
#include "core/codec.h"

#include <boost/test/unit_test.hpp>

#include "core/random.h"
#include "core/wire.h"

namespace dds {
namespace {

Message SampleRegister() {
  Holding h{"a/b.txt", 3, {}, 42};
  h.hash.bytes.fill(7);
  return Register{"n1", "10.0.0.1:8080", {h, h}};
}

Message SampleSnapshot() {
  CatalogEntry e{"x", 9, {}, 10, false, "n2", -5};
  e.hash.bytes[31] = 1;
  return CatalogSnapshot{{e, e, e}};
}

BOOST_AUTO_TEST_SUITE(codec)

BOOST_AUTO_TEST_CASE(round_trips) {
  std::vector<Message> samples = {
      SampleRegister(),
      SampleSnapshot(),
      Heartbeat{"n1", 0xdeadbeef, 3, true},
      ChangeAck{"p", {}, false, 0, "p.conflict-n1-00000000", 4},
      Chunk{7, 1 << 20, std::string(1000, '\0')},
      RegisterPlease{},
      FetchFailed{3, "not held"}};
  for (const Message& m : samples) {
    std::string bytes = Encode(m);
    Result<Message> back = Decode(bytes);
    BOOST_TEST_REQUIRE(back.ok(), MessageName(m) << ": " << back.status().ToString());
    BOOST_TEST(back->index() == m.index());
    BOOST_TEST(Encode(*back) == bytes);
  }
}

BOOST_AUTO_TEST_CASE(every_truncation_is_an_error) {
  std::string bytes = Encode(SampleRegister());
  for (size_t n = 0; n < bytes.size(); ++n) {
    BOOST_TEST(!Decode(std::string_view(bytes).substr(0, n)).ok(), "length " << n);
  }
  BOOST_TEST(!Decode(bytes + "x").ok());
}

BOOST_AUTO_TEST_CASE(rejects_wrong_version_and_type) {
  std::string bytes = Encode(Heartbeat{"n1", 1, 0, false});
  bytes[0] = 2;
  BOOST_TEST(Decode(bytes).status().message().find("version") != std::string::npos);
  bytes[0] = static_cast<char>(kProtocolVersion);
  bytes[1] = static_cast<char>(200);
  BOOST_TEST(Decode(bytes).status().message().find("type") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(huge_counts_do_not_allocate) {
  // A snapshot claiming four billion entries in a few bytes.
  std::string bytes = {
      static_cast<char>(kProtocolVersion), 8, '\xff', '\xff', '\xff', '\xff'};
  BOOST_TEST(!Decode(bytes).ok());
}

BOOST_AUTO_TEST_CASE(random_garbage_never_crashes) {
  SplitMix64 rng(1234);
  size_t decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string bytes(UniformBelow(rng.Next(), 64), '\0');
    for (char& c : bytes) c = static_cast<char>(rng.Next());
    if (!bytes.empty()) bytes[0] = static_cast<char>(kProtocolVersion);
    if (Decode(bytes).ok()) ++decoded;
  }
  BOOST_TEST(decoded < 20000u);
}

BOOST_AUTO_TEST_CASE(records_round_trip) {
  CatalogEntry e{"dir/file", 5, {}, 77, true, "admin", 123};
  Result<CatalogEntry> back = DecodeRecord<CatalogEntry>(EncodeRecord(e));
  BOOST_TEST_REQUIRE(back.ok());
  BOOST_TEST((*back == e));
  BOOST_TEST(!DecodeRecord<CatalogEntry>("short").ok());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
