// Goal: what a leader logs, a follower gets back whole and in order: a
// batch of any size round trips through records within the fragment bound;
// a batch a dead leader left unfinished is dropped when the next leader's
// records come; a log that is not what a leader wrote (a gap, an older
// term, a record too large, bytes that do not decode) stops the follower.
#include "core/meta_log.h"

#include <boost/test/unit_test.hpp>
#include <string>

#include "sim/mem_meta.h"

namespace dds {
namespace {

MetaWrites SomeWrites(int n, size_t value_bytes) {
  MetaWrites batch;
  for (int i = 0; i < n; ++i) {
    batch["catalog/f" + std::to_string(i)] =
        std::string(value_bytes, static_cast<char>('a' + i % 26));
  }
  batch["catalog/gone"] = std::nullopt;
  batch[std::string("k\0\xff", 3)] = std::string();
  return batch;
}

// Feeds `records` to `assembler`; the batches they complete.
std::vector<MetaWrites> Feed(BatchAssembler& assembler,
                             const std::vector<LogRecord>& records) {
  std::vector<MetaWrites> batches;
  for (const LogRecord& record : records) {
    Result<std::optional<MetaWrites>> got = assembler.Add(record);
    BOOST_REQUIRE(got.ok());
    if (*got) batches.push_back(std::move(**got));
  }
  return batches;
}

BOOST_AUTO_TEST_SUITE(meta_log)

BOOST_AUTO_TEST_CASE(batches_round_trip_in_bounded_records) {
  const MetaWrites small = SomeWrites(3, 10);
  const MetaWrites large = SomeWrites(40, 100'000);  // about 4 MB: several records
  std::vector<LogRecord> records = CutBatch(small, 7, 1).value();
  BOOST_REQUIRE_EQUAL(records.size(), 1u);
  const std::vector<LogRecord> more = CutBatch(large, 7, 2).value();
  BOOST_TEST(more.size() == 6u);
  for (const LogRecord& record : more) {
    BOOST_TEST(record.fragment.size() <= kMaxLogFragmentBytes);
    BOOST_TEST(record.term == 7u);
    BOOST_TEST(record.more == (&record != &more.back()));
  }
  records.insert(records.end(), more.begin(), more.end());
  BatchAssembler follower(1);
  const std::vector<MetaWrites> batches = Feed(follower, records);
  BOOST_REQUIRE_EQUAL(batches.size(), 2u);
  BOOST_TEST((batches[0] == small));
  BOOST_TEST((batches[1] == large));
  BOOST_TEST(follower.complete_through() == 7u);
  BOOST_TEST(follower.next_index() == 8u);
  BOOST_TEST(CutBatch({}, 7, 1).status().ToString().find("empty") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_unfinished_batch_goes_when_a_new_term_begins) {
  const MetaWrites lost = SomeWrites(20, 100'000);
  const MetaWrites next = SomeWrites(2, 5);
  std::vector<LogRecord> records = CutBatch(lost, 3, 10).value();
  records.pop_back();  // the leader died before its last record
  const uint64_t after = records.back().index + 1;
  const std::vector<LogRecord> successor = CutBatch(next, 4, after).value();
  records.insert(records.end(), successor.begin(), successor.end());
  BatchAssembler follower(10);
  const std::vector<MetaWrites> batches = Feed(follower, records);
  BOOST_REQUIRE_EQUAL(batches.size(), 1u);
  BOOST_TEST((batches[0] == next));
  BOOST_TEST(follower.complete_through() == after);
}

BOOST_AUTO_TEST_CASE(a_log_no_leader_wrote_stops_the_follower) {
  const std::vector<LogRecord> records = CutBatch(SomeWrites(2, 5), 5, 1).value();
  {
    BatchAssembler follower(2);  // a gap: record 1 where 2 is expected
    BOOST_TEST(follower.Add(records[0]).status().ToString().find("expected") !=
               std::string::npos);
  }
  {
    BatchAssembler follower(1);
    BOOST_REQUIRE(follower.Add(records[0]).ok());
    LogRecord older = CutBatch(SomeWrites(1, 5), 4, 2).value()[0];
    BOOST_TEST(!follower.Add(older).ok());
  }
  {
    BatchAssembler follower(1);
    LogRecord huge{1, 5, true, std::string(kMaxLogFragmentBytes + 1, 'x')};
    BOOST_TEST(!follower.Add(huge).ok());
  }
  {
    BatchAssembler follower(1);
    LogRecord garbage = records[0];
    garbage.fragment.back() ^= 0x7f;  // a length or a byte off: not a batch
    garbage.fragment += "tail";
    BOOST_TEST((follower.Add(garbage).status().code() == Status::Code::kCorruption));
  }
  {
    BatchAssembler follower(1);
    // A count that claims more writes than the bytes hold.
    LogRecord liar{1, 5, false, std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8)};
    BOOST_TEST((follower.Add(liar).status().code() == Status::Code::kCorruption));
  }
}

BOOST_AUTO_TEST_CASE(applying_a_batch_writes_and_deletes) {
  sim::MemMetaStore meta;
  BOOST_REQUIRE(meta.Put("catalog/gone", "old").ok());
  BOOST_REQUIRE(meta.Put("catalog/f0", "old").ok());
  const MetaWrites batch = SomeWrites(2, 3);
  BOOST_REQUIRE(ApplyBatch(batch, meta).ok());
  std::string value;
  BOOST_TEST(meta.Get("catalog/gone", &value).IsNotFound());
  BOOST_REQUIRE(meta.Get("catalog/f0", &value).ok());
  BOOST_TEST(value == "aaa");
  BOOST_REQUIRE(meta.Get(std::string("k\0\xff", 3), &value).ok());
  BOOST_TEST(value.empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
