// The failure path of DDS_CHECK; see check.h.
#include "core/check.h"

#include <cstdio>
#include <cstdlib>

namespace dds {

void CheckFailed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "dds: invariant violated at %s:%d: %s\n", file, line, condition);
  std::fflush(stderr);
  std::abort();
}

}  // namespace dds
