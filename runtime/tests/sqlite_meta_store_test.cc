// SqliteMetaStore: round trip, prefix scans, persistence across reopen, and
// that uncommitted writes are not durable.
#include "runtime/sqlite_meta_store.h"

#include <boost/test/unit_test.hpp>

#include "runtime/tests/test_util.h"

namespace dds {
namespace {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

std::unique_ptr<SqliteMetaStore> OpenDb(const testing::TempDir& dir) {
  auto store = SqliteMetaStore::Open(dir / "meta.db");
  BOOST_REQUIRE(store.ok());
  return std::move(*store);
}

// Every (key, value) under `prefix`, through the streaming Scan.
KeyValues ScanAll(MetaStore& store, std::string_view prefix) {
  KeyValues out;
  BOOST_REQUIRE(store
                    .Scan(prefix,
                          [&](std::string_view key, std::string_view value) {
                            out.emplace_back(std::string(key), std::string(value));
                          })
                    .ok());
  return out;
}

BOOST_AUTO_TEST_SUITE(sqlite_meta_store)

BOOST_AUTO_TEST_CASE(round_trip_and_prefix_scan) {
  testing::TempDir dir;
  auto store = OpenDb(dir);
  const std::string binary("k\0\xff", 3);
  BOOST_REQUIRE(store->Put("e/b", "2").ok());
  BOOST_REQUIRE(store->Put("e/a", "1").ok());
  BOOST_REQUIRE(store->Put("f/a", "3").ok());
  BOOST_REQUIRE(store->Put(binary, std::string("\0v", 2)).ok());
  BOOST_REQUIRE(store->Put("e/empty", "").ok());
  BOOST_REQUIRE(store->Put("e/a", "1bis").ok());
  BOOST_REQUIRE(store->Delete("e/b").ok());
  KeyValues out;
  out = ScanAll(*store, "e/");
  BOOST_TEST((out == KeyValues{{"e/a", "1bis"}, {"e/empty", ""}}));
  out = ScanAll(*store, "");
  BOOST_REQUIRE_EQUAL(out.size(), 4u);
  BOOST_TEST(out.back().first == binary);  // byte order, 'k' > 'f'
  out = ScanAll(*store, std::string("\xff", 1));
  BOOST_TEST(out.empty());
  std::string value;
  BOOST_REQUIRE(store->Get("e/a", &value).ok());
  BOOST_TEST(value == "1bis");
  BOOST_TEST(store->Get("e/b", &value).IsNotFound());
}

BOOST_AUTO_TEST_CASE(committed_writes_survive_reopen) {
  testing::TempDir dir;
  {
    auto store = OpenDb(dir);
    BOOST_REQUIRE(store->Put("a", "1").ok());
    BOOST_REQUIRE(store->Commit().ok());
    BOOST_REQUIRE(store->Put("b", "2").ok());
    // Destruction commits what is left, like a clean shutdown.
  }
  auto store = OpenDb(dir);
  KeyValues out;
  out = ScanAll(*store, "");
  BOOST_TEST((out == KeyValues{{"a", "1"}, {"b", "2"}}));
}

BOOST_AUTO_TEST_CASE(a_write_opens_one_transaction_until_commit) {
  testing::TempDir dir;
  auto store = OpenDb(dir);
  int begins = 0;
  store->set_on_begin([&] { ++begins; });
  for (int i = 0; i < 1000; ++i) BOOST_REQUIRE(store->Put(std::to_string(i), "v").ok());
  BOOST_TEST(begins == 1);
  BOOST_REQUIRE(store->Commit().ok());
  BOOST_REQUIRE(store->Delete("1").ok());
  BOOST_TEST(begins == 2);
  // Another connection sees only what was committed.
  auto other = OpenDb(dir);
  KeyValues out;
  out = ScanAll(*other, "1");
  BOOST_TEST(out.front().first == "1");
}

// The commit runs on the flush thread while the loop reads and writes on:
// reads see the batch being committed and the next one over the database.
BOOST_AUTO_TEST_CASE(reads_see_the_batches_not_yet_committed) {
  testing::TempDir dir;
  auto store = OpenDb(dir);
  for (const char* key : {"a", "b", "c", "d"}) BOOST_REQUIRE(store->Put(key, "0").ok());
  BOOST_REQUIRE(store->Commit().ok());
  BOOST_REQUIRE(store->Put("b", "1").ok());
  BOOST_REQUIRE(store->Delete("c").ok());
  BOOST_REQUIRE(store->Put("e", "1").ok());
  std::shared_ptr<const SqliteMetaStore::Batch> first = store->TakeBatch();
  BOOST_REQUIRE(first);
  BOOST_TEST(!store->has_writes());
  BOOST_REQUIRE(store->Put("b", "2").ok());
  BOOST_REQUIRE(store->Delete("a").ok());
  BOOST_REQUIRE(store->Put("c", "2").ok());
  const KeyValues expected{{"b", "2"}, {"c", "2"}, {"d", "0"}, {"e", "1"}};
  BOOST_TEST((ScanAll(*store, "") == expected));
  BOOST_REQUIRE(store->CommitBatch(*first).ok());
  BOOST_TEST((ScanAll(*store, "") == expected));
  store->CommitDone();
  BOOST_TEST((ScanAll(*store, "") == expected));
  std::string value;
  BOOST_TEST(store->Get("a", &value).IsNotFound());
  BOOST_REQUIRE(store->Get("e", &value).ok());
  BOOST_TEST(value == "1");
  // Another connection sees the first batch only.
  auto other = OpenDb(dir);
  BOOST_TEST(
      (ScanAll(*other, "") == KeyValues{{"a", "0"}, {"b", "1"}, {"d", "0"}, {"e", "1"}}));
  BOOST_REQUIRE(store->Commit().ok());
  BOOST_TEST((ScanAll(*other, "") == expected));
}

BOOST_AUTO_TEST_CASE(counters_grow_across_reopen) {
  testing::TempDir dir;
  BOOST_TEST(OpenDb(dir)->Increment("master_incarnation").value() == 1u);
  BOOST_TEST(OpenDb(dir)->Increment("master_incarnation").value() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
