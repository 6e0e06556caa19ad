// What a node holds, summarised bucket by bucket, so that a node and the
// master can agree on it without sending every file (docs/protocol.md,
// "Holdings"). A path falls in one of kHoldingBuckets buckets by a hash of
// its name; a bucket's summary is how many files it holds and the XOR of
// Catalog::Mix(path, version, hash) over them. Equal summaries mean equal
// holdings (with overwhelming probability); only the files of buckets that
// differ travel.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/messages.h"

namespace dds {

// A protocol constant: both sides bucket paths the same way.
inline constexpr uint64_t kHoldingBuckets = 4096;

uint64_t BucketOf(std::string_view path);

// Summaries as a peer may send them: buckets in range, strictly increasing.
bool WellFormedSummary(const std::vector<BucketSummary>& buckets);

// Per-bucket counts and digests, kept up to date as files come and go.
class BucketSums {
 public:
  BucketSums() : buckets_(kHoldingBuckets) {}

  // Adds or removes (the same call twice cancels) one file's Mix.
  void Add(uint64_t bucket, uint64_t mix, int64_t count_delta) {
    Sum& b = buckets_[bucket];
    b.count = static_cast<uint64_t>(static_cast<int64_t>(b.count) + count_delta);
    b.digest ^= mix;
    total_.count =
        static_cast<uint64_t>(static_cast<int64_t>(total_.count) + count_delta);
    total_.digest ^= mix;
  }
  BucketSummary Of(uint64_t bucket) const {
    return {bucket, buckets_[bucket].count, buckets_[bucket].digest};
  }
  uint64_t count() const { return total_.count; }
  uint64_t digest() const { return total_.digest; }
  // The summaries of the non-empty buckets, in bucket order.
  std::vector<BucketSummary> NonEmpty() const;
  void Clear() { *this = BucketSums(); }

 private:
  struct Sum {
    uint64_t count = 0;
    uint64_t digest = 0;
  };
  std::vector<Sum> buckets_;
  Sum total_;
};

}  // namespace dds
