// A small pool of threads for disk work that takes long (hashing a large
// file), so that the io_context's thread, which runs the core, never waits
// on it: a 10 GB file hashes for seconds while heartbeats are answered.
//
// A job runs on a worker; its completion is posted back to the io_context
// and handed to `deliver` there (the Env runs it as a callback into the
// core). Stopping (the destructor, on the io_context's thread) tells
// running jobs to give up (they look at the flag between reads), drops the
// jobs not begun and the completions not yet run, and joins the threads.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>

namespace dds {

class DiskWorkers {
 public:
  using Deliver = std::function<void(const std::function<void()>&)>;

  DiskWorkers(boost::asio::io_context& io, unsigned threads, Deliver deliver);
  ~DiskWorkers();
  DiskWorkers(const DiskWorkers&) = delete;
  DiskWorkers& operator=(const DiskWorkers&) = delete;

  // Runs `work(stop)` on a worker, then `then()` through `deliver` on the
  // io_context's thread, unless stopped first. `work` touches only what it
  // owns (an fd, its result); `then` may touch anything of the loop's.
  void Run(std::function<void(const std::atomic<bool>& stop)> work,
           std::function<void()> then);

 private:
  boost::asio::io_context& io_;
  const Deliver deliver_;
  // Shared with the jobs and completions in flight, which may outlive us.
  const std::shared_ptr<std::atomic<bool>> stop_;
  boost::asio::thread_pool pool_;
};

}  // namespace dds
