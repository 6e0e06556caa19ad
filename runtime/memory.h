// Keeping a long-running process's resident memory close to what it uses.
//
// The catalog's memory is dense (core/arena.h); what inflates a process's
// RSS is the holes that bursts of short-lived allocations (a 1 MiB batch of
// changes decoded, the pushes built from it, the decisions awaiting their
// node's settlement) leave in the heap. Free heap pages, holes included,
// are handed back every few seconds (malloc_trim), rather than by glibc's
// own trimming at each free: a message of a megabyte is built and freed for
// every batch sent, and giving its pages back at once and faulting them in
// again for the next cost a fifth of a busy node's time. So buffers up to
// 4 MiB (every message: core/codec.h) come from the heap, which is trimmed
// only by the timer.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace dds {

// Call once, first thing in main.
void TuneAllocator();

// Hands free heap pages back to the system every `kReleaseInterval`.
class MemoryReleaser {
 public:
  explicit MemoryReleaser(boost::asio::io_context& io);
  void Start();
  void Stop();

 private:
  void Arm();
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
};

}  // namespace dds
