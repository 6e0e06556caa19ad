// Goal: the catalog keeps the newest version per path and its digest is a
// faithful, order-independent summary. Method: apply entries in different
// orders and compare.
#define BOOST_TEST_MODULE core
#include "core/catalog.h"

#include <boost/test/unit_test.hpp>

namespace dds {
namespace {

CatalogEntry Entry(std::string path, uint64_t version, uint8_t fill,
                   bool tombstone = false) {
  CatalogEntry e;
  e.path = std::move(path);
  e.version = version;
  e.hash.bytes.fill(fill);
  e.size = tombstone ? 0 : 100 * version;
  e.tombstone = tombstone;
  e.origin = "n1";
  return e;
}

BOOST_AUTO_TEST_SUITE(catalog)

BOOST_AUTO_TEST_CASE(keeps_newest_version_only) {
  Catalog c;
  BOOST_TEST(c.Apply(Entry("a", 2, 2)));
  BOOST_TEST(!c.Apply(Entry("a", 1, 1)));
  BOOST_TEST(!c.Apply(Entry("a", 2, 9)));
  BOOST_TEST(c.Find("a")->hash.bytes[0] == 2);
  BOOST_TEST(c.Apply(Entry("a", 3, 3)));
  BOOST_TEST(c.Find("a")->version == 3u);
  BOOST_TEST(c.Find("b") == nullptr);
}

BOOST_AUTO_TEST_CASE(digest_is_order_independent_and_tracks_content) {
  Catalog forward, backward;
  std::vector<CatalogEntry> entries = {Entry("a", 1, 1), Entry("b", 4, 2),
                                       Entry("c", 2, 3)};
  for (const auto& e : entries) forward.Apply(e);
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) backward.Apply(*it);
  BOOST_TEST(forward.Digest() == backward.Digest());
  uint64_t before = forward.Digest();
  forward.Apply(Entry("b", 5, 2));
  BOOST_TEST(forward.Digest() != before);
  Catalog rebuilt;
  for (const Catalog::Slot& slot : forward.slots()) rebuilt.Apply(forward.EntryOf(slot));
  BOOST_TEST(rebuilt.Digest() == forward.Digest());

  BOOST_TEST(Catalog().Digest() == 0u);
}

BOOST_AUTO_TEST_CASE(counts_live_files_and_bytes) {
  Catalog c;
  c.Apply(Entry("a", 1, 1));
  c.Apply(Entry("b", 2, 2));
  BOOST_TEST(c.live_files() == 2u);
  BOOST_TEST(c.live_bytes() == 300u);
  c.Apply(Entry("b", 3, 0, /*tombstone=*/true));
  BOOST_TEST(c.live_files() == 1u);
  BOOST_TEST(c.live_bytes() == 100u);
  BOOST_TEST(c.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
