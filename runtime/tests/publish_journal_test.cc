// PublishJournal: a crash anywhere in the flush leaves the node's records
// and its data directory agreeing on every file it published: both or
// neither, never a visible file its index does not know.
#include "runtime/publish_journal.h"

#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <functional>

#include "runtime/tests/test_util.h"

namespace dds {
namespace {

using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

// One node's stores, opened as a restart opens them.
struct Stores {
  explicit Stores(const TempDir& dir)
      : meta(SqliteMetaStore::Open(dir / "node.db").value()),
        files(PosixFileStore::Open(dir / "data").value()),
        journal(*meta, *files) {
    BOOST_REQUIRE(journal.Recover().ok());
  }
  // A callback: installs `content` at `path` and records it.
  void Install(const std::string& path, const std::string& content) {
    BOOST_REQUIRE(files->BeginStage("s").ok());
    BOOST_REQUIRE(files->WriteStage("s", 0, content).ok());
    BOOST_REQUIRE(files->Publish("s", path).ok());
    BOOST_REQUIRE(meta->Put("local/" + path, content).ok());
  }
  // A flush's steps up to the commit (the flush thread's part included);
  // false if one failed. Then Finish, the renames.
  bool Commit(Result<PosixFileStore::PublishBatch>* batch) {
    *batch = journal.Begin();
    return batch->ok() && PosixFileStore::SyncPublishBatch(**batch).ok() &&
           meta->Commit().ok();
  }
  void Flush() {
    Result<PosixFileStore::PublishBatch> batch = PosixFileStore::PublishBatch{};
    BOOST_REQUIRE(Commit(&batch));
    BOOST_REQUIRE(journal.Finish(*batch).ok());
  }
  size_t Intents() {
    size_t n = 0;
    BOOST_REQUIRE(meta->Scan(kIntentPrefix, [&](auto, auto) { ++n; }).ok());
    return n;
  }
  std::unique_ptr<SqliteMetaStore> meta;
  std::unique_ptr<PosixFileStore> files;
  PublishJournal journal;
};

// Runs `work` in a child process that then dies as kill -9 would leave it:
// no destructor runs, so nothing is committed or renamed behind its back
// (the work leaks its stores for that: a destructor would commit).
void RunThenCrash(const std::function<void()>& work) {
  const pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    work();
    ::_exit(0);
  }
  int status = 0;
  BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

bool Recorded(Stores& stores, const std::string& path) {
  std::string value;
  return stores.meta->Get("local/" + path, &value).ok();
}

BOOST_AUTO_TEST_SUITE(publish_journal)

BOOST_AUTO_TEST_CASE(a_crash_after_the_commit_finishes_the_renames_at_start) {
  TempDir dir;
  WriteFile(dir / "data/f.txt", "v1");
  RunThenCrash([&] {
    Stores& node = *new Stores(dir);
    node.Install("f.txt", "v2");
    node.Install("d/g.txt", "new");
    Result<PosixFileStore::PublishBatch> batch = PosixFileStore::PublishBatch{};
    if (!node.Commit(&batch)) ::_exit(1);
    // Killed here: recorded, not yet renamed.
  });
  BOOST_TEST(ReadFile(dir / "data/f.txt") == "v1");
  Stores node(dir);
  BOOST_TEST(ReadFile(dir / "data/f.txt") == "v2");
  BOOST_TEST(ReadFile(dir / "data/d/g.txt") == "new");
  BOOST_TEST(Recorded(node, "f.txt"));
  BOOST_TEST(node.Intents() == 0u);
  BOOST_TEST(std::filesystem::is_empty(dir / "data/.dds-stage"));
}

BOOST_AUTO_TEST_CASE(a_crash_before_the_commit_loses_records_and_files_together) {
  TempDir dir;
  WriteFile(dir / "data/f.txt", "v1");
  RunThenCrash([&] {
    Stores& node = *new Stores(dir);
    node.Install("f.txt", "v2");
    Result<PosixFileStore::PublishBatch> batch = node.journal.Begin();
    if (!batch.ok() || !PosixFileStore::SyncPublishBatch(*batch).ok()) ::_exit(1);
    // Killed here: nothing was committed.
  });
  Stores node(dir);
  BOOST_TEST(ReadFile(dir / "data/f.txt") == "v1");
  BOOST_TEST(!Recorded(node, "f.txt"));
  BOOST_TEST(node.Intents() == 0u);
  BOOST_TEST(std::filesystem::is_empty(dir / "data/.dds-stage"));
}

BOOST_AUTO_TEST_CASE(intents_of_done_renames_go_with_the_next_commit) {
  TempDir dir;
  Stores node(dir);
  auto flush = [&] { node.Flush(); };
  node.Install("a", "1");
  flush();
  BOOST_TEST(ReadFile(dir / "data/a") == "1");
  BOOST_TEST(node.Intents() == 1u);
  flush();  // nothing to commit: no commit just for the journal
  BOOST_TEST(!node.meta->has_writes());
  BOOST_TEST(node.Intents() == 1u);
  node.Install("b", "2");
  flush();
  BOOST_TEST(node.Intents() == 1u);  // b's; a's went with that commit
  BOOST_TEST(ReadFile(dir / "data/b") == "2");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
