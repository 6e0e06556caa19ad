// Holdings buckets; see holdings.h.
#include "core/holdings.h"

#include "core/types.h"

namespace dds {

uint64_t BucketOf(std::string_view path) { return Fnv1a64(path) % kHoldingBuckets; }

bool WellFormedSummary(const std::vector<BucketSummary>& buckets) {
  for (size_t i = 0; i < buckets.size(); ++i) {
    if (buckets[i].bucket >= kHoldingBuckets) return false;
    if (i > 0 && buckets[i].bucket <= buckets[i - 1].bucket) return false;
  }
  return true;
}

std::vector<BucketSummary> BucketSums::NonEmpty() const {
  std::vector<BucketSummary> out;
  for (uint64_t b = 0; b < buckets_.size(); ++b) {
    if (buckets_[b].count != 0 || buckets_[b].digest != 0) out.push_back(Of(b));
  }
  return out;
}

}  // namespace dds
