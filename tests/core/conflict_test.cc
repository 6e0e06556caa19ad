// Goal: the conflict rule is deterministic, antisymmetric and puts tombstones
// first; conflict paths keep the extension and stay valid paths.
#include "core/conflict.h"

#include <boost/test/unit_test.hpp>

#include "core/path.h"

namespace dds {
namespace {

CatalogEntry Version(std::string origin, int64_t mtime, uint8_t fill) {
  CatalogEntry e;
  e.path = "docs/report.txt";
  e.version = 2;
  e.hash.bytes.fill(fill);
  e.origin = std::move(origin);
  e.mtime = mtime;
  return e;
}

BOOST_AUTO_TEST_SUITE(conflict)

BOOST_AUTO_TEST_CASE(later_mtime_wins_then_origin_then_hash) {
  BOOST_TEST(WinsConflict(Version("n1", 20, 1), Version("n2", 10, 2)));
  BOOST_TEST(!WinsConflict(Version("n2", 10, 2), Version("n1", 20, 1)));
  BOOST_TEST(WinsConflict(Version("n2", 10, 1), Version("n1", 10, 2)));
  BOOST_TEST(WinsConflict(Version("n1", 10, 2), Version("n1", 10, 1)));
  BOOST_TEST(!WinsConflict(Version("n1", 10, 1), Version("n1", 10, 1)));
}

BOOST_AUTO_TEST_CASE(tombstone_beats_any_edit) {
  CatalogEntry tombstone = Version("admin", 0, 0);
  tombstone.tombstone = true;
  BOOST_TEST(WinsConflict(tombstone, Version("n9", 1'000'000, 9)));
  BOOST_TEST(!WinsConflict(Version("n9", 1'000'000, 9), tombstone));
}

BOOST_AUTO_TEST_CASE(conflict_path_keeps_extension_and_is_valid) {
  CatalogEntry e = Version("n3", 1, 0xab);
  BOOST_TEST(ConflictPath(e) == "docs/report.conflict-n3-abababab.txt");
  e.path = "Makefile";
  BOOST_TEST(ConflictPath(e) == "Makefile.conflict-n3-abababab");
  e.path = "dir.d/.bashrc";
  BOOST_TEST(ConflictPath(e) == "dir.d/.bashrc.conflict-n3-abababab");
  BOOST_TEST(ValidatePath(ConflictPath(e)).ok());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
