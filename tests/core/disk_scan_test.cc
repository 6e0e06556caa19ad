// Goal: the scan lists a page a tick at the configured rate, starts a pass
// at most once an interval (at once after lost events), and finds exactly
// the recorded files gone from each page's range, whatever the page
// boundaries. Method: a DiskScan over an index of literal files, listings
// written by hand, ticks on literal times.
#include "core/disk_scan.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

namespace dds {
namespace {

using std::chrono::seconds;
using Paths = std::vector<std::string>;

const Instant kT0 = Instant{} + seconds(1000);

void Record(NodeIndex& index, const std::string& path) {
  CatalogEntry entry;
  entry.path = path;
  entry.version = 1;
  index.ApplyEntry(entry);
  NodeIndex::Local local;
  local.version = 1;
  local.acked = true;
  index.SetLocal(path, local);
}

std::vector<FileInfo> Listing(const Paths& paths) {
  std::vector<FileInfo> files;
  for (const std::string& p : paths) files.push_back(FileInfo{p, 1, 1});
  return files;
}

BOOST_AUTO_TEST_CASE(passes_are_paced_by_the_interval_and_the_rate) {
  DiskScan scan(seconds(30), 2500, seconds(1));
  BOOST_TEST(scan.Due(kT0) == 2500u);  // the first pass starts at once
  NodeIndex index;
  scan.Walk(index, Listing({"a"}), 2500);  // short: the pass is over
  BOOST_TEST(scan.cursor().empty());
  BOOST_TEST(scan.Due(kT0 + seconds(29)) == 0u);
  BOOST_TEST(scan.Due(kT0 + seconds(30)) == 2500u);
  scan.Walk(index, Listing({"a", "b"}), 2);  // full: the pass goes on
  BOOST_TEST(scan.cursor() == "b");
  BOOST_TEST(scan.Due(kT0 + seconds(31)) == 2500u);  // under way: no wait
}

BOOST_AUTO_TEST_CASE(lost_events_start_a_pass_at_the_next_tick) {
  DiskScan scan(seconds(30), 10, seconds(1));
  scan.BeginWholePass(kT0);
  BOOST_TEST(scan.Due(kT0 + seconds(1)) == 0u);
  scan.ScanSoon();
  BOOST_TEST(scan.Due(kT0 + seconds(1)) == 10u);
  NodeIndex index;
  scan.Walk(index, {}, 10);
  BOOST_TEST(scan.Due(kT0 + seconds(2)) == 0u);  // that was the pass
}

BOOST_AUTO_TEST_CASE(a_slow_rate_still_lists_a_file_a_tick) {
  DiskScan scan(seconds(30), 1, std::chrono::milliseconds(100));
  BOOST_TEST(scan.Due(kT0) == 1u);
}

BOOST_AUTO_TEST_CASE(the_missing_are_found_page_by_page) {
  NodeIndex index;
  for (const char* p : {"a", "b", "c", "d", "e", "f"}) Record(index, p);
  CatalogEntry only_in_catalog;  // the catalog has it, the disk never did
  only_in_catalog.path = "bb";
  only_in_catalog.version = 1;
  index.ApplyEntry(only_in_catalog);
  DiskScan scan(seconds(30), 2, seconds(1));
  scan.BeginWholePass(kT0);
  // The disk holds a, c, e, g: b, d and f are gone.
  BOOST_TEST(scan.Walk(index, Listing({"a", "c"}), 2) == (Paths{"b"}));
  BOOST_TEST(scan.cursor() == "c");
  BOOST_TEST(scan.Walk(index, Listing({"e", "g"}), 2) == (Paths{"d", "f"}));
  BOOST_TEST(scan.Walk(index, {}, 2).empty());
  BOOST_TEST(scan.cursor().empty());
  // A pass whose last page is short covers the rest of the index.
  scan.BeginWholePass(kT0);
  BOOST_TEST(scan.Walk(index, Listing({"a"}), 2) == (Paths{"b", "c", "d", "e", "f"}));
}

BOOST_AUTO_TEST_CASE(a_failed_listing_ends_the_pass) {
  NodeIndex index;
  DiskScan scan(seconds(30), 2, seconds(1));
  scan.Due(kT0);
  scan.Walk(index, Listing({"a", "b"}), 2);
  BOOST_TEST(!scan.cursor().empty());
  scan.Abort();
  BOOST_TEST(scan.cursor().empty());
  BOOST_TEST(scan.Due(kT0 + seconds(1)) == 0u);
}

}  // namespace
}  // namespace dds
