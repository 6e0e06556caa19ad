// Goal: the node's index keeps its derived state exact through any sequence
// of changes: what the node claims to hold (per bucket, as the master will
// compare it), the held files by content, the catalog's live counts, and the
// local file's own content when it is not the entry's. Method: literal
// scenarios, then a seeded random walk checked against a plain model.
#include "core/node_index.h"

#include <boost/test/unit_test.hpp>
#include <map>
#include <optional>
#include <string>

#include "core/catalog.h"
#include "core/random.h"

namespace dds {
namespace {

Digest Content(uint64_t n) {
  Digest d;
  d.bytes.fill(static_cast<uint8_t>(n));
  d.bytes[0] = static_cast<uint8_t>(n >> 8);
  return d;
}

CatalogEntry Entry(const std::string& path, uint64_t version, uint64_t content,
                   bool tombstone = false) {
  CatalogEntry e{
      path,      version, tombstone ? Digest{} : Content(content), tombstone ? 0u : 10u,
      tombstone, "n1"};
  return e;
}

NodeIndex::Local Held(uint64_t version, uint64_t content) {
  return {version, Content(content), 10, 5, true, {}, 0};
}

BOOST_AUTO_TEST_SUITE(node_index)

BOOST_AUTO_TEST_CASE(a_held_file_shares_its_entry_and_is_claimed) {
  NodeIndex index;
  index.ApplyEntry(Entry("a", 1, 1));
  index.SetLocal("a", Held(1, 1));
  const NodeIndex::Slot* a = index.Find("a");
  BOOST_TEST(a->current());
  BOOST_TEST((a->local_hash() == Content(1)));
  BOOST_TEST(index.held().count() == 1u);
  BOOST_TEST(index.held().digest() == Catalog::Mix("a", 1, Content(1)));
  BOOST_TEST(index.FindHeld(Content(1)) == a);
  // A new version: the disk still holds v1 (stale, not claimed), by content.
  index.ApplyEntry(Entry("a", 2, 2));
  BOOST_TEST(!a->current());
  BOOST_TEST((a->local_hash() == Content(1)));
  BOOST_TEST((a->hash() == Content(2)));
  BOOST_TEST(index.held().count() == 0u);
  BOOST_TEST(index.FindHeld(Content(1)) == a);
  // Installed: shared again, claimed.
  index.SetLocal("a", Held(2, 2));
  BOOST_TEST(a->current());
  BOOST_TEST(index.held().digest() == Catalog::Mix("a", 2, Content(2)));
  BOOST_TEST(index.FindHeld(Content(1)) == nullptr);
}

BOOST_AUTO_TEST_CASE(undecided_files_are_neither_claimed_nor_copied_from) {
  NodeIndex index;
  index.SetLocal("new", {0, Content(3), 10, 1, false, {}, 42});
  const NodeIndex::Slot* s = index.Find("new");
  BOOST_TEST(s->undecided());
  BOOST_TEST(s->change_id() == 42u);
  BOOST_TEST(!s->removing());
  BOOST_TEST(index.held().count() == 0u);
  BOOST_TEST(index.FindHeld(Content(3)) == nullptr);
  // A source's delete keeps the content it deletes, and says it is one.
  const NodeIndex::Local removal{0, Content(3), 0, 0, false, {}, 43, true};
  index.SetLocal("new", removal);
  BOOST_TEST(s->undecided());
  BOOST_TEST(s->removing());
  BOOST_TEST((index.LocalOf(*s) == removal));
  BOOST_TEST(index.FindHeld(Content(3)) == nullptr);
  // A file newer than the catalog (no entry yet) is claimed once acked.
  index.SetLocal("new", Held(4, 3));
  BOOST_TEST(index.held().count() == 1u);
  index.ClearLocal("new");
  BOOST_TEST(index.Find("new") == nullptr);  // nothing left in the slot
  BOOST_TEST(index.held().count() == 0u);
}

BOOST_AUTO_TEST_CASE(counts_tombstones_and_snapshot_marks) {
  NodeIndex index;
  index.ApplyEntry(Entry("a", 1, 1));
  index.ApplyEntry(Entry("b", 1, 2));
  BOOST_TEST(index.live_files() == 2u);
  BOOST_TEST(index.live_bytes() == 20u);
  BOOST_TEST(!index.ApplyEntry(Entry("b", 1, 9)));  // not newer
  index.ApplyEntry(Entry("b", 2, 0, /*tombstone=*/true));
  BOOST_TEST(index.live_files() == 1u);
  BOOST_TEST(index.entries() == 2u);
  index.ClearMarks();
  index.ApplyEntry(Entry("a", 1, 1));  // listed again, not newer: marked anyway
  BOOST_TEST((index.Unmarked() == std::vector<std::string>{"b"}));
  index.SetLocal("b", Held(1, 2));
  index.DropEntry("b");
  BOOST_TEST(index.entries() == 1u);
  BOOST_TEST(index.Find("b")->held());  // the file stays, without an entry
  BOOST_TEST(index.held().count() == 1u);
  CatalogEntry back = index.EntryOf(*index.Find("a"));
  BOOST_TEST(back.origin == "n1");
  BOOST_TEST((back.hash == Content(1)));
}

// Random operations on a few paths and contents (so contents collide in the
// table), checked after each against a model recomputed from scratch.
BOOST_AUTO_TEST_CASE(random_walk_keeps_every_summary_exact) {
  NodeIndex index;
  std::map<std::string, CatalogEntry> entries;
  std::map<std::string, NodeIndex::Local> locals;
  SplitMix64 random(99);
  for (int step = 0; step < 20000; ++step) {
    const std::string path = "p" + std::to_string(UniformBelow(random.Next(), 300));
    const uint64_t content = UniformBelow(random.Next(), 40);
    switch (UniformBelow(random.Next(), 5)) {
      case 0: {
        uint64_t version = (entries.count(path) ? entries[path].version : 0) + 1;
        CatalogEntry e =
            Entry(path, version, content, UniformBelow(random.Next(), 6) == 0);
        index.ApplyEntry(e);
        entries[path] = e;
        break;
      }
      case 1:
      case 2: {
        NodeIndex::Local l = Held(UniformBelow(random.Next(), 4) + 1, content);
        l.acked = UniformBelow(random.Next(), 4) != 0;
        if (!l.acked) l.change_id = 7;
        index.SetLocal(path, l);
        locals[path] = l;
        break;
      }
      case 3:
        index.ClearLocal(path);
        locals.erase(path);
        break;
      default:
        index.DropEntry(path);
        entries.erase(path);
    }
    BucketSums claims;
    for (const auto& [p, l] : locals) {
      if (!l.acked) continue;
      auto e = entries.find(p);
      if (e != entries.end() && e->second.version > l.version) continue;
      claims.Add(BucketOf(p), Catalog::Mix(p, l.version, l.hash), 1);
    }
    BOOST_TEST_REQUIRE(index.held().count() == claims.count(), "step " << step);
    BOOST_TEST_REQUIRE(index.held().digest() == claims.digest(), "step " << step);
    for (const auto& [p, l] : locals) {
      const NodeIndex::Slot* s = index.Find(p);
      BOOST_TEST_REQUIRE(s != nullptr);
      BOOST_TEST_REQUIRE((index.LocalOf(*s) == l), "step " << step << " " << p);
      if (l.acked) {
        const NodeIndex::Slot* same = index.FindHeld(l.hash);
        BOOST_TEST_REQUIRE(same != nullptr, "step " << step);
        BOOST_TEST_REQUIRE((same->local_hash() == l.hash));
      }
    }
    size_t live = 0;
    for (const auto& [p, e] : entries) live += e.tombstone ? 0 : 1;
    BOOST_TEST_REQUIRE(index.live_files() == live);
    BOOST_TEST_REQUIRE(index.entries() == entries.size());
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
