// The threads a node serves HTTP on: each runs its own io_context, so a
// connection's reads, writes and file reads stay on one thread and no
// io_context is shared (docs/runtime.md, "Threading model").
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

namespace dds::http {

class IoThreads {
 public:
  // `count` io_contexts, not yet run.
  explicit IoThreads(size_t count);
  // Stops and joins the threads; then destroys the io_contexts, and with
  // them whatever was still queued on them.
  ~IoThreads();
  IoThreads(const IoThreads&) = delete;
  IoThreads& operator=(const IoThreads&) = delete;

  size_t size() const { return contexts_.size(); }
  boost::asio::io_context& io(size_t i) { return *contexts_[i]; }

  // Runs each io_context on a thread of its own, until Stop().
  void Start();
  // Stops every io_context and joins its thread. Handlers not yet run stay
  // queued (never run). Idempotent.
  void Stop();

 private:
  using WorkGuard =
      boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;

  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<WorkGuard> idle_;  // keeps run() from returning while idle
  std::vector<std::thread> threads_;
};

}  // namespace dds::http
