// HTTP threads (see io_threads.h).
#include "runtime/http/io_threads.h"

namespace dds::http {

IoThreads::IoThreads(size_t count) {
  for (size_t i = 0; i < count; ++i) {
    // Hint 1: one thread runs it, so handlers it posts to itself skip the
    // shared queue. Other threads (the core's) may still post to it.
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
  }
}

IoThreads::~IoThreads() { Stop(); }

void IoThreads::Start() {
  for (auto& io : contexts_) {
    idle_.push_back(boost::asio::make_work_guard(*io));
    threads_.emplace_back([&context = *io] { context.run(); });
  }
}

void IoThreads::Stop() {
  for (auto& io : contexts_) io->stop();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
  idle_.clear();
}

}  // namespace dds::http
