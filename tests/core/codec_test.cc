// Goal: every message survives an encode/decode round trip, and decoding
// arbitrary bytes never crashes or over-allocates. Method: round trips of
// filled messages, then every truncation, and seeded random garbage.
#include "core/codec.h"

#include <boost/test/unit_test.hpp>

#include "core/random.h"
#include "core/wire.h"

namespace dds {
namespace {

Holding SampleHolding() {
  Holding h{"a/b.txt", 3, {}, 3 << 20};
  h.hash.bytes.fill(7);
  h.chunks.assign(3, h.hash);
  return h;
}

Message SampleRegister() {
  return Register{"n1", "10.0.0.1:8080", Cursor{9, 4}, {{1, 2, 3}, {7, 1, 9}}};
}

CatalogEntry SampleEntry() {
  CatalogEntry e{"x", 9, {}, 10, false, "n2", -5};
  e.hash.bytes[31] = 1;
  e.seq = 12;
  return e;
}

// One message of every type, with its vectors filled.
std::vector<Message> Samples() {
  const CatalogEntry e = SampleEntry();
  return {SampleRegister(),
          Heartbeat{"n1", Cursor{0xdeadbeef, 3}, 1, 2, 3, 4, true},
          Changes{"n1", {Change{5, "p", 1, {}, 10, -1, {}}}},
          Haves{"n1", {SampleHolding(), SampleHolding()}},
          Dropped{"n1", {"a", "b/c"}},
          WhoHas{"n1", {VersionRef{"a", 2}}},
          CatalogRequest{"n1", Cursor{1, 2}},
          HoldingsList{"n1", {SampleHolding()}, true},
          HoldingsSummary{"n1", {{4, 5, 6}}},
          Welcome{3, Cursor{1, 7}, 12},
          CatalogPage{Cursor{1, 2}, {e, e}, Cursor{1, 12}, Cursor{1, 20}, false},
          EntryUpdates{1, {e}},
          ChangeAcks{{ChangeAck{7, "p", {}, false, 0, "p.conflict-n1-00000000", 4}}},
          HeartbeatAck{Cursor{1, 9}},
          RegisterPlease{},
          Holders{{HolderList{"p", 2, {Peer{"n2", "127.0.0.1:9"}}}}},
          Members{{Peer{"n2", "127.0.0.1:9"}}},
          HoldingsWanted{{1, 4095}},
          HoldingsCheck{},
          Fetch{{FetchItem{1, "p", 2, {}, 0, 1 << 20}}},
          Chunks{{ChunkData{7, 1 << 20, std::string(1000, '\0')}},
                 {FetchFailure{3, "not held"}}},
          IgnoreRules{2, {"*.tmp", "!keep.tmp"}},
          NotLeader{"127.0.0.1:5558", 12}};
}

BOOST_AUTO_TEST_SUITE(codec)

BOOST_AUTO_TEST_CASE(round_trips) {
  std::vector<Message> samples = Samples();
  BOOST_TEST(samples.size() == std::variant_size_v<Message>);
  for (size_t i = 0; i < samples.size(); ++i) {
    const Message& m = samples[i];
    BOOST_TEST(m.index() == i, "one sample of each type, in order");
    std::string bytes = Encode(m).value();
    BOOST_TEST(
        bytes.size() == 2 + std::visit([](const auto& x) { return WireSize(x); }, m),
        MessageName(m) << ": WireSize agrees with the encoding");
    Result<Message> back = Decode(bytes);
    BOOST_TEST_REQUIRE(back.ok(), MessageName(m) << ": " << back.status().ToString());
    BOOST_TEST(back->index() == m.index());
    BOOST_TEST(Encode(*back).value() == bytes);
  }
}

BOOST_AUTO_TEST_CASE(refuses_to_build_a_message_over_the_limit) {
  Dropped many{"n1", {}};
  while (WireSize(many) <= kMaxMessageBytes) many.paths.push_back(std::string(1000, 'p'));
  Result<std::string> bytes = Encode(many);
  BOOST_TEST(!bytes.ok());
  BOOST_TEST(bytes.status().message().find("exceeds") != std::string::npos);
  many.paths.pop_back();
  many.paths.pop_back();
  BOOST_TEST(Encode(many).ok());
}

BOOST_AUTO_TEST_CASE(every_truncation_is_an_error) {
  std::string bytes = Encode(SampleRegister()).value();
  for (size_t n = 0; n < bytes.size(); ++n) {
    BOOST_TEST(!Decode(std::string_view(bytes).substr(0, n)).ok(), "length " << n);
  }
  BOOST_TEST(!Decode(bytes + "x").ok());
}

BOOST_AUTO_TEST_CASE(rejects_wrong_version_and_type) {
  std::string bytes = Encode(Heartbeat{"n1", {}, 1}).value();
  bytes[0] = static_cast<char>(kProtocolVersion + 1);
  BOOST_TEST(Decode(bytes).status().message().find("version") != std::string::npos);
  bytes[0] = static_cast<char>(kProtocolVersion);
  bytes[1] = static_cast<char>(200);
  BOOST_TEST(Decode(bytes).status().message().find("type") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(huge_counts_do_not_allocate) {
  // A Dropped whose name, then whose list, claims four billion entries in a
  // few bytes.
  std::string bytes = {
      static_cast<char>(kProtocolVersion), 4, '\xff', '\xff', '\xff', '\xff'};
  BOOST_TEST(!Decode(bytes).ok());
  bytes = {
      static_cast<char>(kProtocolVersion), 4, 0, 0, 0, 0, '\xff', '\xff', '\xff', '\xff'};
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
  e.seq = 99;
  Result<CatalogEntry> back = DecodeRecord<CatalogEntry>(EncodeRecord(e));
  BOOST_TEST_REQUIRE(back.ok());
  BOOST_TEST((*back == e));
  BOOST_TEST(!DecodeRecord<CatalogEntry>("short").ok());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
