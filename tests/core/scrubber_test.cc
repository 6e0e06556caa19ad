// Goal: the scrub's walk spends its budget as the cost model says: a file
// costs at least kScrubFileCost, a large file is hashed on a positive
// balance and its debt paid by later ticks, the balance never saves more
// than a second's worth, only held files count, and the walk resumes after
// the last path and wraps round, at most one pass a tick. Method: a
// Scrubber over an index of literal files, ticks counted by hand.
#include "core/scrubber.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

namespace dds {
namespace {

constexpr uint64_t kMiB = 1 << 20;
constexpr int64_t kFloor = static_cast<int64_t>(kScrubFileCost);

void Hold(NodeIndex& index, const std::string& path, uint64_t size, bool acked = true,
          size_t chunks = 0) {
  CatalogEntry entry;
  entry.path = path;
  entry.version = 1;
  entry.size = size;
  entry.chunks.resize(chunks);
  index.ApplyEntry(entry);
  NodeIndex::Local local;
  local.version = 1;
  local.size = size;
  local.acked = acked;
  local.chunks.resize(chunks);
  index.SetLocal(path, local);
}

struct Fixture {
  Fixture() {
    Hold(index, "a", 10);
    Hold(index, "b", 2 * kMiB);
    Hold(index, "c", 10);
    Hold(index, "d", 10, /*acked=*/false);  // an undecided change: not held
  }
  std::vector<std::string> Tick() {
    std::vector<std::string> seen;
    scrubber.Tick(index, [&](const std::string& path, const NodeIndex::Local&,
                             uint64_t offset, uint64_t) {
      seen.push_back(offset == 0 ? path : path + "@" + std::to_string(offset / kMiB));
    });
    return seen;
  }
  NodeIndex index;
  Scrubber scrubber{kMiB, std::chrono::seconds(1)};  // 1 MiB a tick
};

using Paths = std::vector<std::string>;

BOOST_FIXTURE_TEST_CASE(the_budget_is_spent_by_the_cost_model, Fixture) {
  BOOST_TEST(Tick() == (Paths{"a", "b"}));  // b goes over: hashed on credit
  BOOST_TEST(scrubber.balance() == static_cast<int64_t>(kMiB) - kFloor - 2 * kMiB);
  BOOST_TEST(Tick().empty());  // still paying b's debt
  BOOST_TEST(scrubber.balance() == -kFloor);
  // From after b, round to b again: d is skipped, one pass at most.
  BOOST_TEST(Tick() == (Paths{"c", "a", "b"}));
  BOOST_TEST(scrubber.cursor() == "b");
}

BOOST_AUTO_TEST_CASE(a_file_of_several_chunks_is_scrubbed_a_chunk_a_step) {
  NodeIndex index;
  Hold(index, "a", 10);
  Hold(index, "big", 2 * kMiB + 10, true, /*chunks=*/3);
  Scrubber scrubber{kMiB, std::chrono::seconds(1)};
  std::vector<std::string> seen;
  std::vector<uint64_t> lengths;
  auto tick = [&] {
    seen.clear();
    scrubber.Tick(index, [&](const std::string& path, const NodeIndex::Local&,
                             uint64_t offset, uint64_t length) {
      seen.push_back(path + "@" + std::to_string(offset / kMiB));
      lengths.push_back(length);
    });
    return seen;
  };
  // a, then big's first chunk on credit; the debt delays the second.
  BOOST_TEST(tick() == (Paths{"a@0", "big@0"}));
  BOOST_TEST(scrubber.balance() == -kFloor);
  BOOST_TEST(tick() == (Paths{"big@1"}));
  BOOST_TEST(tick() == (Paths{"big@2", "a@0", "big@0"}));  // the last 10 bytes cost 10
  BOOST_TEST(lengths == (std::vector<uint64_t>{10, kMiB, kMiB, 10, 10, kMiB}));
  // A file that changes size mid-walk is left: the walk goes on to the next.
  index.SetLocal("big", {1, {}, 10, 0, true, {}, 0});
  BOOST_TEST(tick() == (Paths{"a@0", "big@0"}));
}

BOOST_FIXTURE_TEST_CASE(an_idle_scrub_saves_at_most_a_second, Fixture) {
  Scrubber slow{kMiB / 4, std::chrono::milliseconds(250)};  // 64 KiB a tick
  NodeIndex empty;
  for (int i = 0; i < 100; ++i) slow.Tick(empty, [](auto&, auto&, auto, auto) {});
  BOOST_TEST(slow.balance() == static_cast<int64_t>(kMiB / 4));
}

}  // namespace
}  // namespace dds
