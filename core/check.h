// DDS_CHECK: an invariant, checked in every build, release included (the CI
// swarm sweep and real clusters run release builds, where DDS_CHECK() is
// compiled out). A violated invariant is a bug: the process stops at once,
// saying which and where, rather than carry a wrong state into its durable
// records or its peers.
#pragma once

namespace dds {

[[noreturn]] void CheckFailed(const char* condition, const char* file, int line);

}  // namespace dds

#define DDS_CHECK(condition)          \
  ((condition) ? static_cast<void>(0) \
               : ::dds::CheckFailed(#condition, __FILE__, __LINE__))
