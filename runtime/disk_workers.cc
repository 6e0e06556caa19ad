// The disk workers; see disk_workers.h.
#include "runtime/disk_workers.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <utility>

namespace dds {

DiskWorkers::DiskWorkers(boost::asio::io_context& io, unsigned threads, Deliver deliver)
    : io_(io),
      deliver_(std::move(deliver)),
      stop_(std::make_shared<std::atomic<bool>>(false)),
      pool_(threads) {}

DiskWorkers::~DiskWorkers() {
  stop_->store(true);
  pool_.stop();
  pool_.join();
}

void DiskWorkers::Run(std::function<void(const std::atomic<bool>& stop)> work,
                      std::function<void()> then) {
  // The io_context has work while a job is out: its run() waits for it.
  boost::asio::post(pool_, [this, stop = stop_, busy = boost::asio::make_work_guard(io_),
                            work = std::move(work), then = std::move(then)]() mutable {
    if (stop->load()) return;
    work(*stop);
    // Posted from a worker: `this` is alive until the pool is joined, and
    // the completion checks the flag before touching anything of ours.
    boost::asio::post(io_, [this, stop, then = std::move(then)] {
      if (!stop->load()) deliver_(then);
    });
  });
}

}  // namespace dds
