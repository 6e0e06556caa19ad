// PosixFileStore: staging and atomic publish (visible through the store at
// once, on disk at the flush, recovered after a crash), path rejection, symlinks,
// reserved names, hashing and bounded reads.
#include "runtime/posix_file_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>

#include "runtime/sha256.h"
#include "runtime/tests/test_util.h"

namespace dds {
namespace {

using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

std::unique_ptr<PosixFileStore> OpenStore(const TempDir& dir) {
  auto store = PosixFileStore::Open(dir / "data");
  BOOST_REQUIRE(store.ok());
  return std::move(*store);
}

// The file store's part of the Env's flush (the commit goes between).
Status Sync(PosixFileStore& store) {
  Result<PosixFileStore::PublishBatch> batch = store.TakePublishes();
  if (!batch.ok()) return batch.status();
  if (Status s = PosixFileStore::SyncPublishBatch(*batch); !s.ok()) return s;
  return store.CompletePublishes(*batch);
}

BOOST_AUTO_TEST_SUITE(posix_file_store)

BOOST_AUTO_TEST_CASE(refused_names_are_listed_for_the_core_to_report) {
  TempDir dir;
  auto store = OpenStore(dir);
  std::filesystem::create_directories(dir / "data/ok");
  std::filesystem::create_directories(dir / "data/bad\tdir");
  std::ofstream(dir / "data/ok/line\nbreak.txt") << "x";
  std::ofstream(dir / "data/ok/.dds-mine") << "x";
  std::ofstream(dir / "data/bad\tdir/inside.txt") << "x";
  std::ofstream(dir / "data/ok/fine.txt") << "x";
  std::vector<FileInfo> files;
  BOOST_REQUIRE(store->List("", SIZE_MAX, &files).ok());
  std::vector<std::string> paths;
  for (const FileInfo& f : files) paths.push_back(f.path);
  // The store's own .dds names at the top stay out; a refused directory is
  // listed, not entered.
  const std::vector<std::string> expected = {"bad\tdir", "ok/.dds-mine", "ok/fine.txt",
                                             "ok/line\nbreak.txt"};
  BOOST_TEST(paths == expected, boost::test_tools::per_element());
  BOOST_TEST((store->Stat("ok/line\nbreak.txt").status().code() ==
              Status::Code::kInvalidArgument));
}

BOOST_AUTO_TEST_CASE(stage_is_invisible_until_published) {
  TempDir dir;
  auto store = OpenStore(dir);
  BOOST_REQUIRE(store->BeginStage("abc123").value() == 0u);
  BOOST_REQUIRE(store->WriteStage("abc123", 0, "hello ").ok());
  BOOST_REQUIRE(store->WriteStage("abc123", 6, "world").ok());
  std::vector<FileInfo> files;
  BOOST_REQUIRE(store->List("", SIZE_MAX, &files).ok());
  BOOST_TEST(files.empty());
  BOOST_TEST((store->HashStageRange("abc123", 0, 11).value() == Sha256Of("hello world")));
  BOOST_TEST((store->HashStageRange("abc123", 6, 5).value() == Sha256Of("world")));
  BOOST_TEST(store->HashStageRange("abc123", 6, 6).status().IsNotFound());

  auto published = store->Publish("abc123", "a/b/greeting.txt");
  BOOST_REQUIRE(published.ok());
  BOOST_REQUIRE(Sync(*store).ok());
  BOOST_TEST(published->size == 11u);
  BOOST_TEST(ReadFile(dir / "data/a/b/greeting.txt") == "hello world");
  BOOST_REQUIRE(store->List("", SIZE_MAX, &files).ok());
  BOOST_REQUIRE_EQUAL(files.size(), 1u);
  BOOST_TEST(files[0].path == "a/b/greeting.txt");
  BOOST_TEST(files[0].mtime == published->mtime);
  BOOST_TEST(!store->HashStageRange("abc123", 0, 0).ok());  // the stage is gone
  const FileDigest digest = store->Hash("a/b/greeting.txt").value();
  BOOST_TEST((digest.whole == Sha256Of("hello world")));
  BOOST_TEST(digest.chunks.empty());
}

BOOST_AUTO_TEST_CASE(publish_replaces_atomically_and_copy_dedups) {
  TempDir dir;
  auto store = OpenStore(dir);
  WriteFile(dir / "data/f.txt", "old");
  BOOST_REQUIRE(store->CopyToStage("f.txt", "s1").ok());
  BOOST_REQUIRE(store->WriteStage("s1", 3, " and new").ok());
  BOOST_REQUIRE(store->Publish("s1", "f.txt").ok());
  BOOST_REQUIRE(Sync(*store).ok());
  BOOST_TEST(ReadFile(dir / "data/f.txt") == "old and new");
  BOOST_REQUIRE(store->BeginStage("s2").ok());
  store->DiscardStage("s2");
  BOOST_TEST(!store->HashStageRange("s2", 0, 0).ok());
}

// Group commit: a deferred publish is visible through the store at once and
// on disk only after the flush; its stage name is free again immediately.
BOOST_AUTO_TEST_CASE(deferred_publish_lands_on_sync) {
  TempDir dir;
  auto store = OpenStore(dir);
  WriteFile(dir / "data/d/f.txt", "old");
  BOOST_REQUIRE(store->BeginStage("s1").ok());
  Result<Digest> written = store->WriteStage("s1", 0, "new!");
  BOOST_REQUIRE(written.ok());
  BOOST_TEST((*written == store->HashStageRange("s1", 0, 4).value()));
  const FileInfo published = store->Publish("s1", "d/f.txt").value();
  BOOST_REQUIRE(store->BeginStage("s1").ok());
  BOOST_REQUIRE(store->WriteStage("s1", 0, "other").ok());
  BOOST_REQUIRE(store->Publish("s1", "g.txt").ok());

  BOOST_TEST(ReadFile(dir / "data/d/f.txt") == "old");
  BOOST_TEST(store->Read("d/f.txt", 0, 10).value() == "new!");
  BOOST_TEST(store->Stat("d/f.txt").value().size == 4u);
  BOOST_TEST((store->Hash("g.txt").value().whole == Sha256Of("other")));
  std::vector<FileInfo> files;
  BOOST_REQUIRE(store->List("", SIZE_MAX, &files).ok());
  BOOST_REQUIRE_EQUAL(files.size(), 2u);
  BOOST_TEST(files[0].path == "d/f.txt");
  BOOST_TEST(files[0].size == 4u);
  BOOST_TEST(files[1].path == "g.txt");
  std::vector<std::string> stages;
  BOOST_REQUIRE(store->ListStages(&stages).ok());
  BOOST_TEST(stages.empty());

  BOOST_REQUIRE(Sync(*store).ok());
  BOOST_TEST(ReadFile(dir / "data/d/f.txt") == "new!");
  BOOST_TEST(ReadFile(dir / "data/g.txt") == "other");
  BOOST_TEST(store->Stat("d/f.txt").value().mtime == published.mtime);
}

BOOST_AUTO_TEST_CASE(a_burst_of_deferred_publishes_lands_whole) {
  // Past kSyncfsStages the stages are made durable with one syncfs.
  TempDir dir;
  auto store = OpenStore(dir);
  const size_t n = kSyncfsStages * 2;
  for (size_t i = 0; i < n; ++i) {
    BOOST_REQUIRE(store->BeginStage("s").ok());
    BOOST_REQUIRE(store->WriteStage("s", 0, "file " + std::to_string(i)).ok());
    BOOST_REQUIRE(store->Publish("s", "burst/f" + std::to_string(i)).ok());
  }
  BOOST_TEST(!std::filesystem::exists(dir / "data/burst/f0"));
  BOOST_REQUIRE(Sync(*store).ok());
  for (size_t i = 0; i < n; ++i) {
    BOOST_TEST(ReadFile(dir / ("data/burst/f" + std::to_string(i))) ==
               "file " + std::to_string(i));
  }
  std::vector<std::string> stages;
  BOOST_REQUIRE(store->ListStages(&stages).ok());
  BOOST_TEST(stages.empty());
}

BOOST_AUTO_TEST_CASE(deferred_publish_yields_to_later_changes) {
  TempDir dir;
  auto store = OpenStore(dir);
  WriteFile(dir / "data/f.txt", "old");
  WriteFile(dir / "data/g.txt", "old");
  for (const char* path : {"f.txt", "g.txt", "h.txt"}) {
    BOOST_REQUIRE(store->BeginStage("s").ok());
    BOOST_REQUIRE(store->WriteStage("s", 0, "deferred").ok());
    BOOST_REQUIRE(store->Publish("s", path).ok());
  }
  // Removed: neither the pending nor the old version stays.
  BOOST_TEST(store->Remove("f.txt").ok());
  BOOST_TEST(store->Stat("f.txt").status().IsNotFound());
  BOOST_TEST(store->Remove("h.txt").ok());  // was never on disk
  // Published again: that version wins.
  BOOST_REQUIRE(store->BeginStage("s").ok());
  BOOST_REQUIRE(store->WriteStage("s", 0, "immediate").ok());
  BOOST_REQUIRE(store->Publish("s", "g.txt").ok());
  BOOST_REQUIRE(Sync(*store).ok());
  std::vector<FileInfo> files;
  BOOST_REQUIRE(store->List("", SIZE_MAX, &files).ok());
  BOOST_REQUIRE_EQUAL(files.size(), 1u);
  BOOST_TEST(ReadFile(dir / "data/g.txt") == "immediate");
}

// The flush runs while the loop goes on: what changes a path after a flush
// took its publish wins, and a publish taken by no flush yet waits for the
// next.
BOOST_AUTO_TEST_CASE(a_flush_in_flight_yields_to_later_changes) {
  TempDir dir;
  auto store = OpenStore(dir);
  auto publish = [&](const std::string& path, const std::string& content) {
    BOOST_REQUIRE(store->BeginStage("s").ok());
    BOOST_REQUIRE(store->WriteStage("s", 0, content).ok());
    BOOST_REQUIRE(store->Publish("s", path).ok());
  };
  for (const char* path : {"f.txt", "g.txt", "h.txt"}) publish(path, "first");
  PosixFileStore::PublishBatch first = store->TakePublishes().value();
  BOOST_REQUIRE_EQUAL(first.intents.size(), 3u);
  // Meanwhile: f replaced, g removed, i new.
  publish("f.txt", "second");
  BOOST_REQUIRE(store->Remove("g.txt").ok());
  publish("i.txt", "second");
  BOOST_REQUIRE(PosixFileStore::SyncPublishBatch(first).ok());
  BOOST_REQUIRE(store->CompletePublishes(first).ok());
  BOOST_TEST(ReadFile(dir / "data/h.txt") == "first");
  BOOST_TEST(!std::filesystem::exists(dir / "data/f.txt"));
  BOOST_TEST(!std::filesystem::exists(dir / "data/g.txt"));
  BOOST_TEST(store->Read("f.txt", 0, 10).value() == "second");
  BOOST_TEST(store->Stat("g.txt").status().IsNotFound());
  PosixFileStore::PublishBatch second = store->TakePublishes().value();
  BOOST_TEST(second.intents.size() == 2u);  // f and i, not h again
  BOOST_TEST(second.dirs.size() == 1u);     // the data dir, renamed into
  BOOST_REQUIRE(PosixFileStore::SyncPublishBatch(second).ok());
  BOOST_REQUIRE(store->CompletePublishes(second).ok());
  BOOST_TEST(ReadFile(dir / "data/f.txt") == "second");
  BOOST_TEST(ReadFile(dir / "data/i.txt") == "second");
  BOOST_TEST(std::filesystem::is_empty(dir / "data/.dds-stage"));
}

BOOST_AUTO_TEST_CASE(deferred_publish_fails_early_and_leaves_nothing_behind) {
  TempDir dir;
  {
    auto store = OpenStore(dir);
    std::filesystem::create_directories(dir / "data/taken");
    BOOST_REQUIRE(store->BeginStage("s").ok());
    BOOST_TEST(!store->Publish("s", "taken").ok());  // not in the flush, too late
    BOOST_REQUIRE(store->Publish("s", "lost.txt").ok());
    // Destroyed before the flush, as by a crash: nothing was committed.
  }
  auto store = OpenStore(dir);
  BOOST_REQUIRE(store->Recover({}).ok());
  std::vector<std::string> stages;
  BOOST_REQUIRE(store->ListStages(&stages).ok());
  BOOST_TEST(stages.empty());
  BOOST_TEST(std::filesystem::is_empty(dir / "data/.dds-stage"));
  BOOST_TEST(store->Stat("lost.txt").status().IsNotFound());
}

// A crash between the commit that recorded the intents and the renames:
// Recover finishes the committed ones and drops the rest.
BOOST_AUTO_TEST_CASE(recover_finishes_the_committed_publishes) {
  TempDir dir;
  std::vector<PosixFileStore::PublishIntent> committed;
  WriteFile(dir / "data/a/old.txt", "old");
  {
    auto store = OpenStore(dir);
    for (const char* path : {"a/old.txt", "b/new.txt", "uncommitted.txt"}) {
      BOOST_REQUIRE(store->BeginStage("s").ok());
      BOOST_REQUIRE(store->WriteStage("s", 0, std::string("v2 of ") + path).ok());
      BOOST_REQUIRE(store->Publish("s", path).ok());
    }
    PosixFileStore::PublishBatch batch = store->TakePublishes().value();
    BOOST_REQUIRE(PosixFileStore::SyncPublishBatch(batch).ok());
    BOOST_REQUIRE_EQUAL(batch.intents.size(), 3u);
    BOOST_REQUIRE(batch.intents[2].path == "uncommitted.txt");
    committed.assign(batch.intents.begin(), batch.intents.begin() + 2);
  }
  BOOST_TEST(ReadFile(dir / "data/a/old.txt") == "old");
  auto store = OpenStore(dir);
  committed.push_back({".77", "no/such/aside"});  // renamed before the crash
  committed.push_back({"../../escape", "x"});     // malformed: ignored
  BOOST_REQUIRE(store->Recover(committed).ok());
  BOOST_TEST(ReadFile(dir / "data/a/old.txt") == "v2 of a/old.txt");
  BOOST_TEST(ReadFile(dir / "data/b/new.txt") == "v2 of b/new.txt");
  BOOST_TEST(!std::filesystem::exists(dir / "data/uncommitted.txt"));
  BOOST_TEST(!std::filesystem::exists(dir / "data/no/such/aside"));
  BOOST_TEST(std::filesystem::is_empty(dir / "data/.dds-stage"));
}

BOOST_AUTO_TEST_CASE(large_files_get_chunk_digests) {
  TempDir dir;
  auto store = OpenStore(dir);
  std::string content(kChunkBytes * 2 + 5, 'x');
  content[kChunkBytes] = 'y';
  WriteFile(dir / "data/big", content);
  const FileDigest digest = store->Hash("big").value();
  BOOST_REQUIRE_EQUAL(digest.chunks.size(), 3u);
  std::string chunk_digests;
  for (uint64_t i = 0; i < 3; ++i) {
    const std::string_view chunk =
        std::string_view(content).substr(i * kChunkBytes, kChunkBytes);
    BOOST_TEST((digest.chunks[i] == Sha256Of(chunk)));
    chunk_digests.append(reinterpret_cast<const char*>(digest.chunks[i].bytes.data()),
                         digest.chunks[i].bytes.size());
  }
  // The whole-file digest of a file of several chunks is that of its chunk
  // digests (core/entry.h), and the whole stage hashes to it.
  BOOST_TEST((digest.whole == Sha256Of(chunk_digests)));
  BOOST_TEST((digest == DigestOf(content)));
  BOOST_REQUIRE(store->BeginStage("00000000000000c3").ok());
  BOOST_REQUIRE(store->WriteStage("00000000000000c3", 0, content).ok());
  BOOST_TEST((store->HashStage("00000000000000c3").value() == digest.whole));
  const std::string one_chunk(kChunkBytes, 'z');
  WriteFile(dir / "data/one-chunk", one_chunk);
  const FileDigest one = store->Hash("one-chunk").value();
  BOOST_TEST(one.chunks.empty());
  BOOST_TEST((one.whole == Sha256Of(one_chunk)));
  BOOST_TEST((store->Hash("big").value() == digest));  // hashed the same again
  BOOST_TEST((store->HashFileRange("big", kChunkBytes, kChunkBytes).value() ==
              digest.chunks[1]));
  BOOST_TEST(store->HashFileRange("big", 2 * kChunkBytes, 6).status().IsNotFound());
  BOOST_TEST(store->HashFileRange("absent", 0, 0).status().IsNotFound());
}

// A pull resumes after a crash: BeginStage keeps what was written.
BOOST_AUTO_TEST_CASE(stages_survive_reopen_and_begin_keeps_them) {
  TempDir dir;
  {
    auto store = OpenStore(dir);
    BOOST_REQUIRE(store->BeginStage("00000000000000b2").ok());
    BOOST_REQUIRE(store->BeginStage("00000000000000a1").ok());
    BOOST_REQUIRE(store->WriteStage("00000000000000a1", 0, "half").ok());
  }
  auto store = OpenStore(dir);
  BOOST_REQUIRE(store->BeginStage("00000000000000a1").ok());
  BOOST_TEST(
      (store->HashStageRange("00000000000000a1", 0, 4).value() == Sha256Of("half")));
  std::vector<std::string> stages;
  BOOST_REQUIRE(store->ListStages(&stages).ok());
  BOOST_TEST(
      (stages == std::vector<std::string>{"00000000000000a1", "00000000000000b2"}));
}

BOOST_AUTO_TEST_CASE(rejects_bad_paths_and_stage_names) {
  TempDir dir;
  auto store = OpenStore(dir);
  WriteFile(dir / "secret", "outside");
  for (const std::string& path :
       std::vector<std::string>{"../secret", "/etc/passwd", "a/../../secret", "", "a//b",
                                ".dds-stage/x", std::string("a\0b", 3)}) {
    BOOST_TEST(!store->Stat(path).ok(), path);
    BOOST_TEST(!store->Read(path, 0, 10).ok(), path);
    BOOST_TEST(!store->Remove(path).ok(), path);
  }
  BOOST_REQUIRE(store->BeginStage("ok").ok());
  BOOST_TEST(!store->Publish("ok", "../escaped").ok());
  for (const std::string& stage :
       std::vector<std::string>{"../x", ".hidden", "a/b", ""}) {
    BOOST_TEST(!store->BeginStage(stage).ok(), stage);
  }
  BOOST_TEST(ReadFile(dir / "secret") == "outside");
}

BOOST_AUTO_TEST_CASE(never_follows_symlinks) {
  TempDir dir;
  auto store = OpenStore(dir);
  WriteFile(dir / "outside/secret.txt", "secret");
  BOOST_REQUIRE(::symlink((dir / "outside").c_str(), (dir / "data/link").c_str()) == 0);
  BOOST_REQUIRE(::symlink((dir / "outside/secret.txt").c_str(),
                          (dir / "data/file-link").c_str()) == 0);
  std::vector<FileInfo> files;
  BOOST_REQUIRE(store->List("", SIZE_MAX, &files).ok());
  BOOST_TEST(files.empty());
  BOOST_TEST(store->Stat("file-link").status().IsNotFound());
  BOOST_TEST(!store->Read("file-link", 0, 100).ok());
  BOOST_TEST(!store->Read("link/secret.txt", 0, 100).ok());
  BOOST_REQUIRE(store->BeginStage("s").ok());
  BOOST_TEST(!store->Publish("s", "link/planted.txt").ok());
  BOOST_TEST(!std::filesystem::exists(dir / "outside/planted.txt"));
}

// Every path a paged walk returns, `page` files at a time.
std::vector<std::string> WalkAll(PosixFileStore& store, size_t page) {
  std::vector<std::string> paths;
  std::vector<FileInfo> files;
  std::string after;
  do {
    BOOST_REQUIRE(store.List(after, page, &files).ok());
    for (const FileInfo& f : files) paths.push_back(f.path);
    if (!files.empty()) after = files.back().path;
  } while (files.size() >= page);
  return paths;
}

BOOST_AUTO_TEST_CASE(list_walks_in_path_order_in_pages) {
  TempDir dir;
  auto store = OpenStore(dir);
  // Names around '/' in byte order: "a.txt" < "a/..." < "a0" < "ab/...".
  std::vector<std::string> paths = {"a.txt", "a/x", "a/y/deep.bin", "a/z", "a0",
                                    "ab/c",  "b",   "c/d/e/f",      "z"};
  for (const std::string& p : paths) WriteFile(dir / ("data/" + p), p);
  std::filesystem::create_directories(dir / "data/empty/dir");
  WriteFile(dir / "data/.dds-state", "reserved");
  std::vector<std::string> sorted = paths;
  std::sort(sorted.begin(), sorted.end());
  BOOST_TEST(paths == sorted);
  for (size_t page : {1, 2, 3, 5, 100}) {
    BOOST_TEST(WalkAll(*store, page) == paths, "page " << page);
  }
  // Seeking: from any point, what follows it.
  for (size_t i = 0; i < paths.size(); ++i) {
    std::vector<FileInfo> files;
    BOOST_REQUIRE(store->List(paths[i], 100, &files).ok());
    std::vector<std::string> got;
    for (const FileInfo& f : files) got.push_back(f.path);
    BOOST_TEST(got == std::vector<std::string>(paths.begin() + i + 1, paths.end()));
  }
  // Files added while a pass is under way: the next pass sees them all.
  std::vector<FileInfo> files;
  BOOST_REQUIRE(store->List("", 3, &files).ok());
  WriteFile(dir / "data/a/a", "behind");
  WriteFile(dir / "data/zz", "ahead");
  BOOST_REQUIRE(store->List(files.back().path, 3, &files).ok());
  std::vector<std::string> next_pass = WalkAll(*store, 4);
  BOOST_TEST(std::count(next_pass.begin(), next_pass.end(), "zz") == 1);
  BOOST_TEST(std::count(next_pass.begin(), next_pass.end(), "a/a") == 1);
  BOOST_TEST(next_pass.size() == paths.size() + 2);
}

BOOST_AUTO_TEST_CASE(list_skips_its_own_names_and_sorts) {
  TempDir dir;
  auto store = OpenStore(dir);
  WriteFile(dir / "data/b.txt", "b");
  WriteFile(dir / "data/a/z.txt", "z");
  WriteFile(dir / "data/.dds-state/node.db", "x");
  WriteFile(dir / "data/sub/.dds-tmp", "x");
  ::mkfifo((dir / "data/fifo").c_str(), 0600);
  std::vector<FileInfo> files;
  BOOST_REQUIRE(store->List("", SIZE_MAX, &files).ok());
  // .dds-state is the store's; sub/.dds-tmp a user's file the node refuses.
  BOOST_REQUIRE_EQUAL(files.size(), 3u);
  BOOST_TEST(files[0].path == "a/z.txt");
  BOOST_TEST(files[1].path == "b.txt");
  BOOST_TEST(files[2].path == "sub/.dds-tmp");
  BOOST_TEST(!store->Read("fifo", 0, 10).ok());  // and it did not hang
}

BOOST_AUTO_TEST_CASE(reads_are_bounded_by_the_file) {
  TempDir dir;
  auto store = OpenStore(dir);
  WriteFile(dir / "data/f", "0123456789");
  BOOST_TEST(store->Read("f", 4, 3).value() == "456");
  BOOST_TEST(store->Read("f", 8, uint64_t{1} << 40).value() == "89");
  BOOST_TEST(store->Read("f", 100, 10).value().empty());
  BOOST_TEST(store->Remove("f").ok());
  BOOST_TEST(store->Remove("f").IsNotFound());
}

// A full disk must reach the core as NoSpace (it reports disk_full).
// Filling a real filesystem needs a mount; the mapping is checked directly.
BOOST_AUTO_TEST_CASE(enospc_maps_to_no_space) {
  BOOST_TEST(StatusFromErrno("write", ENOSPC).IsNoSpace());
  BOOST_TEST(StatusFromErrno("write", EDQUOT).IsNoSpace());
  BOOST_TEST(StatusFromErrno("open", ENOENT).IsNotFound());
  BOOST_TEST(StatusFromErrno("open", ELOOP).IsNotFound());
  BOOST_TEST((StatusFromErrno("read", EIO).code() == Status::Code::kIOError));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
