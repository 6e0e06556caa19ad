// Goal: a download's bookkeeping asks for each needed chunk once, in file
// order, round-robin over the holders and never more than the limit in
// flight; an answer frees its slot; dropping a holder puts its chunks back
// to be asked of the others; stalls and an overdue holder list are seen on
// literal times; a resumed download asks only for what the stage lacks.
// Method: a Download of a literal 5-chunk entry, driven by hand.
#include "core/download.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

namespace dds {
namespace {

using std::chrono::seconds;

const Instant kT0 = Instant{} + seconds(100);

CatalogEntry FiveChunks() {
  CatalogEntry e;
  e.path = "big.bin";
  e.version = 3;
  e.size = 4 * kChunkBytes + 10;  // the last chunk is 10 bytes
  e.chunks.resize(5);
  return e;
}

Peer P(const std::string& name) { return Peer{name, Address{"addr-" + name}}; }

struct Fixture {
  Download d{FiveChunks(), "stage-1", kT0};
  uint64_t next_id = 1;

  // (chunk, source) of each ask, in order.
  std::vector<std::pair<uint64_t, std::string>> Plan(size_t limit, Instant now = kT0) {
    std::vector<std::pair<uint64_t, std::string>> out;
    for (const Download::Ask& a : d.Plan(limit, &next_id, now)) {
      out.emplace_back(a.chunk, a.source.name);
      BOOST_TEST(a.source.address == Address{"addr-" + a.source.name});
    }
    return out;
  }
};

using Asks = std::vector<std::pair<uint64_t, std::string>>;

BOOST_FIXTURE_TEST_CASE(chunks_go_round_robin_up_to_the_limit, Fixture) {
  BOOST_TEST(d.chunk_count() == 5u);
  BOOST_TEST(d.ChunkOffset(4) == 4 * kChunkBytes);
  BOOST_TEST(d.ChunkLength(0) == kChunkBytes);
  BOOST_TEST(d.ChunkLength(4) == 10u);
  d.AddSource(P("a"));
  d.AddSource(P("b"));
  BOOST_TEST((Plan(3) == (Asks{{0, "a"}, {1, "b"}, {2, "a"}})));
  BOOST_TEST(d.requests().size() == 3u);
  BOOST_TEST(Plan(3).empty());  // the limit is reached
  // The answer to request 2 (chunk 1) frees a slot; chunk 1 lands.
  Download::Request r = d.Answered(2);
  BOOST_TEST(r.chunk == 1u);
  BOOST_TEST(r.source == "b");
  d.Landed(1, kT0);
  BOOST_TEST(d.done() == 1u);
  BOOST_TEST((Plan(3) == (Asks{{3, "b"}})));
  BOOST_TEST(next_id == 5u);
}

BOOST_FIXTURE_TEST_CASE(a_bad_answer_leaves_the_chunk_needed, Fixture) {
  d.AddSource(P("a"));
  BOOST_TEST((Plan(1) == (Asks{{0, "a"}})));
  d.Answered(1);  // not Landed: the node found it bad
  BOOST_TEST((Plan(1) == (Asks{{0, "a"}})));
}

BOOST_FIXTURE_TEST_CASE(a_dropped_holder_gives_its_chunks_to_the_others, Fixture) {
  d.AddSource(P("a"));
  d.AddSource(P("b"));
  BOOST_TEST((Plan(4) == (Asks{{0, "a"}, {1, "b"}, {2, "a"}, {3, "b"}})));
  BOOST_TEST((d.DropSource("a") == std::vector<uint64_t>{1, 3}));
  BOOST_TEST(d.sources().size() == 1u);
  BOOST_TEST(d.requests().size() == 2u);
  BOOST_TEST((Plan(4) == (Asks{{0, "b"}, {2, "b"}})));
  BOOST_TEST(d.DropSource("nobody").empty());
}

BOOST_FIXTURE_TEST_CASE(the_whole_file_completes_once_every_chunk_landed, Fixture) {
  d.AddSource(P("a"));
  while (!d.complete()) {
    std::vector<Download::Ask> asks = d.Plan(2, &next_id, kT0);
    BOOST_TEST_REQUIRE(!asks.empty());
    for (const Download::Ask& a : asks) d.Landed(d.Answered(a.id).chunk, kT0);
  }
  BOOST_TEST(d.done() == 5u);
  BOOST_TEST(next_id == 6u);  // each chunk asked for once
}

BOOST_FIXTURE_TEST_CASE(a_resumed_download_asks_only_for_what_it_lacks, Fixture) {
  d.Resumed(0);
  d.Resumed(2);
  d.AddSource(P("a"));
  BOOST_TEST((Plan(8) == (Asks{{1, "a"}, {3, "a"}, {4, "a"}})));
  BOOST_TEST(d.done() == 2u);
}

BOOST_FIXTURE_TEST_CASE(stalls_are_seen_on_literal_times, Fixture) {
  d.AddSource(P("a"));
  Plan(1, kT0);
  BOOST_TEST(!d.Stalled(1, kT0 + seconds(5), seconds(5)));
  BOOST_TEST(d.Stalled(1, kT0 + seconds(6), seconds(5)));

  BOOST_TEST(!d.HoldersOverdue(kT0 + seconds(60), seconds(5)));  // not asked
  d.AwaitHolders(kT0 + seconds(10));
  BOOST_TEST(d.asked_master());
  BOOST_TEST(!d.HoldersOverdue(kT0 + seconds(15), seconds(5)));
  BOOST_TEST(d.HoldersOverdue(kT0 + seconds(16), seconds(5)));
}

BOOST_FIXTURE_TEST_CASE(the_holder_list_replaces_the_sources_without_self, Fixture) {
  d.AddSource(P("origin"));
  d.AwaitHolders(kT0);
  d.TakeHolders({P("me"), P("c"), P("d")}, "me");
  BOOST_TEST(!d.awaiting_holders());
  BOOST_TEST(d.asked_master());  // asked once: a second failure abandons
  BOOST_TEST((d.sources() == std::vector<Peer>{P("c"), P("d")}));
}

}  // namespace
}  // namespace dds
