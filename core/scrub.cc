// The scrub's cost model; see scrub.h.
#include "core/scrub.h"

namespace dds {

Duration ScrubPassDuration(uint64_t cost, uint64_t rate, Duration interval) {
  auto per_tick =
      static_cast<uint64_t>(std::max<int64_t>(1, ScrubBudgetPerTick(rate, interval)));
  uint64_t ticks = (cost + per_tick - 1) / per_tick + 1;
  return interval * static_cast<int64_t>(ticks);
}

}  // namespace dds
