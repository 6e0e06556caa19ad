// Allocator tuning and periodic release; see memory.h.
#include "runtime/memory.h"

#include <malloc.h>

#include <chrono>

namespace dds {
namespace {

constexpr std::chrono::seconds kReleaseInterval{5};
// Buffers from this size on are mmapped, and unmapped when freed: message
// batches (up to 1 MiB, core/codec.h) and file chunks are.
constexpr int kMmapThresholdBytes = 256 << 10;

}  // namespace

void TuneAllocator() { ::mallopt(M_MMAP_THRESHOLD, kMmapThresholdBytes); }

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
