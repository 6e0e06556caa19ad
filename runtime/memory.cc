// Allocator tuning and periodic release; see memory.h.
#include "runtime/memory.h"

#include <malloc.h>

#include <chrono>

namespace dds {
namespace {

constexpr std::chrono::seconds kReleaseInterval{5};
// Buffers from this size on are mmapped, and unmapped when freed; a fixed
// threshold also stops glibc from moving it as it sees large frees.
constexpr int kMmapThresholdBytes = 4 << 20;
// Free memory at the top of the heap is given back at a free only past this;
// the timer gives back the rest.
constexpr int kTrimThresholdBytes = 64 << 20;

}  // namespace

void TuneAllocator() {
  ::mallopt(M_MMAP_THRESHOLD, kMmapThresholdBytes);
  ::mallopt(M_TRIM_THRESHOLD, kTrimThresholdBytes);
}

MemoryReleaser::MemoryReleaser(boost::asio::io_context& io) : timer_(io) {}

void MemoryReleaser::Start() {
  stopped_ = false;
  Arm();
}

void MemoryReleaser::Stop() {
  stopped_ = true;
  timer_.cancel();
}

void MemoryReleaser::Arm() {
  timer_.expires_after(kReleaseInterval);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    ::malloc_trim(0);  // Walks the free lists: about a millisecond for a large heap.
    Arm();
  });
}

}  // namespace dds
