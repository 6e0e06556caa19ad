// The log standby masters follow (docs/ha.md): the leader's MetaStore
// writes, one flush batch at a time, cut into records small enough for the
// coordination service (etcd), and put back together, in order, by the
// masters that follow it.
//
// A batch is encoded whole (core/wire.h) and its bytes cut into fragments
// of at most kMaxLogFragmentBytes, one per record; the last record of a
// batch has `more` false. Records have consecutive indexes. A leader that
// dies in the middle of a batch leaves its first records behind; the next
// leader's records carry a larger term, and a follower drops an unfinished
// batch of an older term when it sees one. Nothing of an unfinished batch
// was acknowledged (the leader acknowledges a batch once all of it is in
// the log), so nothing acknowledged is dropped.
//
// Records come from outside (etcd): every field is checked, and a batch is
// bounded by kMaxLogBatchBytes, so a follower's memory is too.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/env.h"
#include "core/status.h"

namespace dds {

// The writes of one batch by key, nullopt for a delete: only the last
// write to a key counts.
using MetaWrites = std::map<std::string, std::optional<std::string>, std::less<>>;

// A record's fragment: with base64 (etcd's JSON gateway) and the record's
// own fields, a record stays under 1.1 MiB, within etcd's default 1.5 MiB
// request limit.
inline constexpr size_t kMaxLogFragmentBytes = 768 << 10;
// The largest batch a follower assembles. A leader whose batch is larger
// cannot log it (docs/ha.md, "Limits").
inline constexpr size_t kMaxLogBatchBytes = 1ull << 30;

struct LogRecord {
  uint64_t index = 0;  // its place in the log, from 1, consecutive
  uint64_t term = 0;   // of the leader that appended it
  bool more = false;   // the batch goes on in the next record
  std::string fragment;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.index, s.term, s.more, s.fragment);
  }
};

// `batch` as records from index `first`, in order. InvalidArgument if it
// encodes to more than kMaxLogBatchBytes, or is empty.
Result<std::vector<LogRecord>> CutBatch(const MetaWrites& batch, uint64_t term,
                                        uint64_t first);

// Puts the records of the log back into batches, in order.
class BatchAssembler {
 public:
  // Expects the record at `next` first (the one after the last batch its
  // owner applied).
  explicit BatchAssembler(uint64_t next) : next_(next) {}

  // Takes the record at next_index(); the batch it completes, if it does.
  // Corruption for a record out of order, of an older term than one
  // already seen, or that makes a batch too large: the log is not what a
  // leader wrote, and the caller must not apply anything more from it.
  Result<std::optional<MetaWrites>> Add(const LogRecord& record);

  // The index of the record expected next.
  uint64_t next_index() const { return next_; }
  // The index of the last record of the last whole batch: what the owner
  // has applied once it applied that batch.
  uint64_t complete_through() const { return complete_through_; }

 private:
  uint64_t next_;
  uint64_t complete_through_ = next_ - 1;
  uint64_t term_ = 0;    // the largest term seen
  std::string partial_;  // the fragments so far of an unfinished batch
};

// About the most the log may hold (docs/ha.md, "Trimming and etcd's
// limits"): past it the leader trims records a master has not applied yet,
// and that master must copy the catalog from the leader to go on.
inline constexpr uint64_t kMaxLogBytes = 256ull << 20;

// Where the log can be cut to hold at most a bound: the ends of batches a
// process has seen (appended or read), with the bytes of records seen
// through each, one every 1/kMarks of the bound and only as far back as the
// bound reaches; so a few hundred marks whatever the log's length, and a
// cut within 1/kMarks of the bound.
class LogSpan {
 public:
  explicit LogSpan(uint64_t max_bytes)
      : max_bytes_(max_bytes), step_(std::max<uint64_t>(max_bytes / kMarks, 1)) {}

  // The next record seen, in index order.
  void Add(const LogRecord& record);
  // The end of a batch to trim through so that the records seen after it
  // come to at most the bound; 0 if those seen fit already.
  uint64_t FitThrough() const;
  // The records through `index` are trimmed.
  void Forget(uint64_t index);

 private:
  static constexpr uint64_t kMarks = 256;
  struct Mark {
    uint64_t index = 0;  // the last record of a batch
    uint64_t bytes = 0;  // seen through it
  };
  uint64_t max_bytes_;
  uint64_t step_;
  std::deque<Mark> marks_;
  uint64_t bytes_ = 0;  // seen in all
  uint64_t base_ = 0;   // of those, trimmed (as far as known)
};

// Writes `batch` into `meta` (the caller's flush makes it durable).
Status ApplyBatch(const MetaWrites& batch, MetaStore& meta);

// Where a master keeps the index of the last record of the last whole batch
// it has (applied as a standby, or appended as the leader), in the same
// flush as that batch: where to go on from after a restart.
inline constexpr std::string_view kLogAppliedKey = "replica/applied";
Status SaveApplied(MetaStore& meta, uint64_t index);
// 0 if nothing was ever applied; Corruption if the record is unreadable.
Result<uint64_t> LoadApplied(MetaStore& meta);
// The index in the value SaveApplied stores (read from a copied database).
Result<uint64_t> DecodeAppliedIndex(std::string_view value);

}  // namespace dds
