// The catalog copy for a master behind the log: a copy taken while the
// database has writes pending holds what was committed, with its applied
// index; a download that is no master's database is refused and deleted;
// an installed copy replaces the database, and the old one's WAL is not
// replayed into it; nothing waiting, nothing changes; a copy of another
// cluster's catalog (another epoch) does not replace this master's.
#include "runtime/catalog_copy.h"

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>

#include "core/master_keys.h"
#include "core/messages.h"
#include "core/meta_log.h"
#include "core/wire.h"
#include "runtime/sqlite_meta_store.h"
#include "runtime/tests/test_util.h"

namespace dds {
namespace {

std::unique_ptr<SqliteMetaStore> Open(const std::string& path) {
  auto store = SqliteMetaStore::Open(path);
  BOOST_REQUIRE(store.ok());
  return std::move(*store);
}

std::string Value(MetaStore& store, std::string_view key) {
  std::string value;
  return store.Get(key, &value).ok() ? value : "(none)";
}

// Writes what a file descriptor holds to `path`.
void Save(int fd, uint64_t size, const std::string& path) {
  std::string bytes(size, '\0');
  BOOST_REQUIRE(::pread(fd, bytes.data(), size, 0) == static_cast<ssize_t>(size));
  testing::WriteFile(path, bytes);
}

BOOST_AUTO_TEST_SUITE(catalog_copy)

BOOST_AUTO_TEST_CASE(a_copy_holds_what_was_committed_and_installs_at_the_next_start) {
  testing::TempDir leader_dir;
  testing::TempDir standby_dir;
  auto leader = Open(leader_dir / "master.db");
  BOOST_REQUIRE(leader->Put("catalog/a", "1").ok());
  BOOST_REQUIRE(SaveApplied(*leader, 42).ok());
  BOOST_REQUIRE(leader->Commit().ok());
  BOOST_REQUIRE(leader->Put("catalog/b", "pending").ok());  // not committed yet

  auto copy = CopyCatalog(leader_dir / "master.db", leader_dir.path());
  BOOST_REQUIRE(copy.ok());
  // The copy is unlinked: nothing left in the leader's state dir.
  BOOST_TEST(!std::filesystem::exists(leader_dir / "incoming.db"));
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(leader_dir.path()))
    files += entry.path().filename().string().starts_with("catalog-copy-");
  BOOST_TEST(files == 0u);

  // The standby's own database, with a WAL of its own.
  auto standby = Open(standby_dir / "master.db");
  BOOST_REQUIRE(standby->Put("catalog/old", "x").ok());
  BOOST_REQUIRE(standby->Commit().ok());
  Save(copy->first.get(), copy->second, PartialCatalogPath(standby_dir.path()));
  Result<uint64_t> kept = KeepDownloadedCatalog(standby_dir.path(), "master.db");
  BOOST_REQUIRE(kept.ok());
  BOOST_TEST(*kept == 42u);
  for (const char* left : {"", "-wal", "-shm"})  // checked read-only: nothing left over
    BOOST_TEST(!std::filesystem::exists(PartialCatalogPath(standby_dir.path()) + left));
  standby.reset();

  Result<bool> installed = InstallIncomingCatalog(standby_dir.path(), "master.db");
  BOOST_REQUIRE(installed.ok());
  BOOST_TEST(*installed);
  auto reopened = Open(standby_dir / "master.db");
  BOOST_TEST(Value(*reopened, "catalog/a") == "1");
  BOOST_TEST(Value(*reopened, "catalog/b") == "(none)");
  BOOST_TEST(Value(*reopened, "catalog/old") == "(none)");
  BOOST_TEST(LoadApplied(*reopened).value() == 42u);
  reopened.reset();
  installed = InstallIncomingCatalog(standby_dir.path(), "master.db");
  BOOST_REQUIRE(installed.ok());
  BOOST_TEST(!*installed);  // nothing waits any more
}

BOOST_AUTO_TEST_CASE(a_download_that_is_no_masters_database_is_refused) {
  testing::TempDir dir;
  testing::WriteFile(PartialCatalogPath(dir.path()), "<html>not a database</html>");
  BOOST_TEST(!KeepDownloadedCatalog(dir.path(), "master.db").ok());
  BOOST_TEST(!std::filesystem::exists(PartialCatalogPath(dir.path())));
  // A database, but with no applied index: not a master's catalog.
  {
    auto other = Open(PartialCatalogPath(dir.path()));
    BOOST_REQUIRE(other->Put("catalog/a", "1").ok());
    BOOST_REQUIRE(other->Commit().ok());
  }
  BOOST_TEST(!KeepDownloadedCatalog(dir.path(), "master.db").ok());
  BOOST_TEST(!std::filesystem::exists(IncomingCatalogPath(dir.path())));
  BOOST_TEST(std::filesystem::is_empty(dir.path()));
}

// A master's database at `path`, of catalog `epoch`, applied through 7.
void MasterDb(const std::string& path, uint64_t epoch) {
  auto db = Open(path);
  BOOST_REQUIRE(db->Put(kEpochKey, EncodeRecord(Cursor{epoch, 0})).ok());
  BOOST_REQUIRE(SaveApplied(*db, 7).ok());
  BOOST_REQUIRE(db->Commit().ok());
}

BOOST_AUTO_TEST_CASE(another_clusters_catalog_does_not_replace_this_one) {
  testing::TempDir dir;
  MasterDb(dir / "master.db", 11);
  MasterDb(PartialCatalogPath(dir.path()), 12);
  Result<uint64_t> kept = KeepDownloadedCatalog(dir.path(), "master.db");
  BOOST_REQUIRE(!kept.ok());
  BOOST_TEST_MESSAGE(kept.status().ToString());
  BOOST_TEST((kept.status().code() == Status::Code::kInvalidArgument));
  BOOST_TEST(kept.status().message().find("another cluster's") != std::string::npos);
  BOOST_TEST(!std::filesystem::exists(PartialCatalogPath(dir.path())));
  BOOST_TEST(!std::filesystem::exists(IncomingCatalogPath(dir.path())));
  BOOST_TEST(LoadApplied(*Open(dir / "master.db")).value() == 7u);
  // The same catalog, further on: kept.
  MasterDb(PartialCatalogPath(dir.path()), 11);
  BOOST_TEST(KeepDownloadedCatalog(dir.path(), "master.db").ok());
  BOOST_TEST(std::filesystem::exists(IncomingCatalogPath(dir.path())));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
