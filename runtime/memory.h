// Keeping a long-running process's resident memory close to what it uses.
//
// The catalog's memory is dense (core/arena.h); what inflates a process's
// RSS is the holes that bursts of short-lived allocations (a 1 MiB batch of
// changes decoded, the pushes built from it, the decisions awaiting their
// node's settlement) leave in the heap. Two things keep those holes from
// staying resident: large buffers are always mmapped (glibc otherwise raises
// its mmap threshold after the first free, and later megabyte buffers come
// from the heap), and free heap pages are handed back every few seconds.
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
