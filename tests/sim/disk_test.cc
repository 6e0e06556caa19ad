// Goal: the in-memory disk keeps the FileStore contract of core/env.h
// (atomic publish, resumable stages, chunk digests) and reports every change
// with its cause. Method: drive one disk and watch its observer.
#include <boost/test/unit_test.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "sim/event_loop.h"
#include "sim/sim_disk.h"

namespace dds {
// For Boost.Test messages.
std::ostream& operator<<(std::ostream& out, const Digest& digest) {
  return out << digest.Hex();
}
}  // namespace dds

namespace dds::sim {
namespace {

struct Recorder final : DiskObserver {
  void OnFileChanged(const FileChange& c) override {
    log.push_back(c.path + (c.before ? " -" : "") + (c.after ? " +" : "") + " " +
                  std::to_string(static_cast<int>(c.cause)));
  }
  std::vector<std::string> log;
};

struct Fixture {
  EventLoop loop;
  BlobPool pool;
  Recorder recorder;
  SimDisk disk{"n1", &loop, &pool, &recorder};
};

BOOST_FIXTURE_TEST_CASE(publish_is_atomic_and_reported, Fixture) {
  BOOST_TEST(disk.BeginStage("s1").ok());
  BOOST_TEST((disk.WriteStage("s1", 0, "hello ").value() == Sha256Of("hello ")));
  BOOST_TEST(disk.Stat("a.txt").status().IsNotFound());  // staging is invisible
  BOOST_TEST(disk.WriteStage("s1", 6, "world").ok());
  Result<FileInfo> info = disk.Publish("s1", "a.txt");
  BOOST_REQUIRE(info.ok());
  BOOST_TEST(info->size == 11u);
  BOOST_TEST(*disk.Read("a.txt", 6, 100) == "world");
  BOOST_TEST(disk.Hash("a.txt")->whole == Sha256Of("hello world"));
  BOOST_TEST(disk.stage_count() == 0u);
  BOOST_TEST(recorder.log == std::vector<std::string>{"a.txt + 0"});
}

// A crash before the flush undoes the publishes made since the last one,
// but not a later removal or user write of the same path.
BOOST_FIXTURE_TEST_CASE(unflushed_publishes_are_lost_by_a_crash, Fixture) {
  int flushes_opened = 0;
  disk.set_on_publish([&] { ++flushes_opened; });
  disk.WriteFile("old.txt", pool.Intern("old"));
  for (const char* path : {"old.txt", "new.txt", "gone.txt"}) {
    BOOST_REQUIRE(disk.BeginStage("s").ok());
    BOOST_REQUIRE(disk.WriteStage("s", 0, "v2").ok());
    BOOST_REQUIRE(disk.Publish("s", path).ok());
  }
  BOOST_TEST(flushes_opened == 1);
  BOOST_REQUIRE(disk.Remove("gone.txt").ok());
  BOOST_TEST(disk.publishes_pending());
  disk.LosePublishes();
  BOOST_TEST(*disk.Read("old.txt", 0, 10) == "old");
  BOOST_TEST(disk.Stat("new.txt").status().IsNotFound());
  BOOST_TEST(disk.Stat("gone.txt").status().IsNotFound());
  BOOST_TEST(!disk.publishes_pending());
  // Flushed publishes stay.
  disk.set_on_publish([&] { ++flushes_opened; });
  BOOST_REQUIRE(disk.BeginStage("s").ok());
  BOOST_REQUIRE(disk.WriteStage("s", 0, "v3").ok());
  BOOST_REQUIRE(disk.Publish("s", "new.txt").ok());
  disk.FlushPublishes();
  disk.LosePublishes();
  BOOST_TEST(*disk.Read("new.txt", 0, 10) == "v3");
}

BOOST_FIXTURE_TEST_CASE(stages_resume_and_hash_ranges, Fixture) {
  BOOST_TEST(disk.BeginStage("s").ok());
  BOOST_TEST(disk.WriteStage("s", 0, "abcdef").ok());
  BOOST_TEST(disk.BeginStage("s").value() == 6u);  // keeps what was written
  BOOST_TEST(*disk.HashStageRange("s", 2, 3) == Sha256Of("cde"));
  BOOST_TEST(disk.HashStageRange("s", 4, 3).status().IsNotFound());  // too short
  std::vector<std::string> stages;
  BOOST_TEST(disk.ListStages(&stages).ok());
  BOOST_TEST(stages == std::vector<std::string>{"s"});
  disk.DiscardStage("s");
  BOOST_TEST(disk.HashStageRange("s", 0, 1).status().IsNotFound());
}

BOOST_FIXTURE_TEST_CASE(publish_after_a_whole_hash_keeps_later_writes, Fixture) {
  // Publish reuses the digest of a whole-stage hash; a write after it must
  // not publish under the stale digest.
  BOOST_TEST(disk.BeginStage("s").ok());
  BOOST_TEST(disk.WriteStage("s", 0, "abc").ok());
  BOOST_TEST(*disk.HashStage("s") == Sha256Of("abc"));
  BOOST_TEST(disk.WriteStage("s", 1, "X").ok());
  BOOST_TEST(*disk.HashStage("s") == Sha256Of("aXc"));
  BOOST_TEST(disk.Publish("s", "a").ok());
  BOOST_TEST(disk.Find("a")->blob->digest == Sha256Of("aXc"));
  BOOST_TEST(pool.Intern("aXc") == disk.Find("a")->blob);
}

BOOST_FIXTURE_TEST_CASE(copies_share_content, Fixture) {
  disk.WriteFile("a", pool.Intern("same bytes"));
  BOOST_TEST(disk.CopyToStage("a", "s").ok());
  BOOST_TEST(disk.Publish("s", "b").ok());
  BOOST_TEST(disk.Find("a")->blob == disk.Find("b")->blob);
  BOOST_TEST(pool.Intern("same bytes") == disk.Find("a")->blob);
}

BOOST_FIXTURE_TEST_CASE(large_files_have_chunk_digests, Fixture) {
  std::string bytes(kChunkBytes + 10, 'x');
  disk.WriteFile("big", pool.Intern(bytes));
  FileDigest digest = *disk.Hash("big");
  BOOST_REQUIRE(digest.chunks.size() == 2u);
  BOOST_TEST(digest.chunks[1] == Sha256Of(std::string(10, 'x')));
  BOOST_TEST(digest.whole == DigestOfChunks(digest.chunks));  // as the runtime's
  BOOST_TEST((digest == DigestOf(bytes)));
  // A stage of it, written chunk by chunk, hashes whole to the same.
  BOOST_TEST(disk.BeginStage("s").ok());
  BOOST_TEST(disk.WriteStage("s", 0, bytes.substr(0, kChunkBytes)).ok());
  BOOST_TEST(disk.WriteStage("s", kChunkBytes, bytes.substr(kChunkBytes)).ok());
  BOOST_TEST(*disk.HashStage("s") == digest.whole);
}

BOOST_FIXTURE_TEST_CASE(corruption_is_silent_until_hashed, Fixture) {
  disk.WriteFile("a", pool.Intern("0123456789"));
  FileInfo before = *disk.Stat("a");
  uint64_t digest_before = disk.content_digest();
  BOOST_TEST(disk.CorruptFile("a", pool.Intern("0123X56789")));
  BOOST_TEST(disk.Stat("a")->mtime == before.mtime);
  BOOST_TEST(disk.Stat("a")->size == before.size);
  BOOST_TEST(disk.Find("a")->corrupt_unhashed);
  BOOST_TEST(disk.content_digest() != digest_before);
  BOOST_TEST(disk.Hash("a")->whole == Sha256Of("0123X56789"));
  BOOST_TEST(!disk.Find("a")->corrupt_unhashed);
  BOOST_TEST(!disk.CorruptFile("a", pool.Intern("short")));  // size must match
}

BOOST_FIXTURE_TEST_CASE(a_range_hash_knows_the_corruption_only_if_it_covers_it, Fixture) {
  disk.WriteFile("a", pool.Intern("0123456789"));
  BOOST_TEST(disk.CorruptFile("a", pool.Intern("0123X56789")));
  BOOST_TEST(*disk.HashFileRange("a", 0, 4) == Sha256Of("0123"));
  BOOST_TEST(disk.Find("a")->corrupt_unhashed);  // the bad byte not read yet
  BOOST_TEST(disk.HashFileRange("a", 8, 3).status().IsNotFound());  // past the end
  BOOST_TEST(*disk.HashFileRange("a", 4, 6) == Sha256Of("X56789"));
  BOOST_TEST(!disk.Find("a")->corrupt_unhashed);
  BOOST_TEST(disk.HashFileRange("missing", 0, 0).status().IsNotFound());
}

BOOST_FIXTURE_TEST_CASE(a_racing_write_lands_inside_the_next_hash, Fixture) {
  disk.WriteFile("a", pool.Intern(""));  // truncated by the writer
  disk.WriteDuringNextHash("a", pool.Intern("full content"));
  BOOST_TEST(disk.Stat("a")->size == 0u);  // the node's first look
  BOOST_TEST(disk.Hash("a")->whole == Sha256Of("full content"));
  BOOST_TEST(disk.Stat("a")->size == 12u);
  disk.LandRacingWrite("a");  // landed already: nothing more happens
  disk.WriteDuringNextHash("b", pool.Intern("no hash came"));
  disk.LandRacingWrite("b");
  BOOST_TEST(disk.Find("b")->blob->bytes == "no hash came");
  BOOST_TEST(recorder.log == (std::vector<std::string>{"a + 2", "a - + 2", "b + 2"}));
}

BOOST_FIXTURE_TEST_CASE(content_digest_tracks_visible_files, Fixture) {
  BOOST_TEST(disk.content_digest() == 0u);
  disk.WriteFile("a", pool.Intern("x"));
  disk.WriteFile("b", pool.Intern("y"));
  BOOST_TEST(disk.content_digest() ==
             (ContentMix("a", Sha256Of("x")) ^ ContentMix("b", Sha256Of("y"))));
  BOOST_TEST(disk.Remove("a").ok());
  BOOST_TEST(disk.DeleteFile("b"));
  BOOST_TEST(disk.content_digest() == 0u);
  BOOST_TEST(recorder.log.back() == "b - 2");  // the scenario's doing
  BOOST_TEST(recorder.log[2] == "a - 1");      // the node's doing
}

BOOST_FIXTURE_TEST_CASE(a_full_disk_refuses_growth_not_reads, Fixture) {
  disk.WriteFile("a.txt", pool.Intern("0123456789"));
  disk.set_capacity(12);
  BOOST_TEST(disk.BeginStage("s1").ok());
  BOOST_TEST(disk.WriteStage("s1", 0, "ab").ok());                 // 12 of 12 bytes
  BOOST_TEST(disk.WriteStage("s1", 2, "c").status().IsNoSpace());  // 13 would not fit
  BOOST_TEST(disk.BeginStage("s2").status().IsNoSpace());
  BOOST_TEST(disk.CopyToStage("a.txt", "s3").IsNoSpace());
  BOOST_TEST(disk.Read("a.txt", 0, 4).ok());
  BOOST_TEST(disk.used() == 12u);
  disk.set_capacity(0);
  BOOST_TEST(disk.WriteStage("s1", 2, "c").ok());
}

// At 10 s, a synced file and, within the window, a fresh write of another.
struct Unsynced : Fixture {
  Unsynced() {
    disk.WriteFile("old.txt", pool.Intern("synced"));
    disk.Sync();
    loop.RunUntil(Instant(std::chrono::seconds(10)));
    disk.WriteFile("old.txt", pool.Intern("edited"));
    disk.WriteFile("new.txt", pool.Intern("brand new"));
  }
  // Whether some seed makes the crash revert old.txt and drop new.txt.
  bool SomeSeedLosesBoth(std::chrono::seconds window) {
    for (uint64_t seed = 1; seed < 64; ++seed) {
      Unsynced fresh;
      SplitMix64 random(seed);
      auto lost =
          fresh.disk.LoseUnsynced(window, random, [](auto&, auto&) { return false; });
      if (lost.size() < 2) continue;
      const SimDisk::File* old = fresh.disk.Find("old.txt");
      return old && old->blob->bytes == "synced" && old->mtime == 0 &&
             !fresh.disk.Find("new.txt");
    }
    return false;
  }
};

BOOST_FIXTURE_TEST_CASE(a_crash_may_lose_unsynced_writes, Unsynced) {
  BOOST_TEST(SomeSeedLosesBoth(std::chrono::seconds(5)));
  loop.RunUntil(Instant(std::chrono::seconds(20)));  // now past the window
  SplitMix64 random(1);
  BOOST_TEST(disk.LoseUnsynced(std::chrono::seconds(5), random,
                               [](auto&, auto&) { return false; })
                 .empty());
  BOOST_TEST(disk.Find("old.txt")->blob->bytes == "edited");
}

BOOST_FIXTURE_TEST_CASE(a_crash_tears_stages, Fixture) {
  BOOST_TEST(disk.BeginStage("s1").ok());
  BOOST_TEST(disk.WriteStage("s1", 0, std::string(1000, 'x')).ok());
  SplitMix64 random(3);
  disk.LoseUnsynced(std::chrono::seconds(5), random, [](auto&, auto&) { return false; });
  Result<Digest> whole = disk.HashStageRange("s1", 0, 1000);
  BOOST_TEST(!whole.ok());  // a prefix at most survives
}

}  // namespace
}  // namespace dds::sim
