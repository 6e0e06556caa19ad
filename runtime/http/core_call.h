// Asking the core from an HTTP thread: the core (dds::Node, its index, its
// PosixFileStore) belongs to the thread that runs its io_context, so an HTTP
// thread hands it the work and waits for the answer, without blocking its
// own io_context meanwhile.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <optional>
#include <utility>

#include "runtime/http/awaitable.h"

namespace dds::http {

// Runs the coroutine `work()` on the core's io_context and returns its
// result to the calling coroutine, on the caller's executor. On the core's
// own thread it simply runs it. R must be default-constructible (co_spawn's
// rule in Boost 1.74).
//
// Lifetime: the core's side holds only references into this coroutine's
// frame, used once it is done, on the caller's executor; the frame waits for
// that. So the caller's io_context must not be destroyed while the core
// still runs: stop the core first, or never run it (a queued `work` is then
// destroyed with the core's io_context, unused).
template <typename R, typename Work>
boost::asio::awaitable<R> OnCore(boost::asio::io_context& core, Work work) {
  if (core.get_executor().running_in_this_thread()) co_return co_await work();
  const auto here = co_await boost::asio::this_coro::executor;
  // A timer that never expires is the wake-up; the answer cancels it.
  boost::asio::steady_timer wake(here, boost::asio::steady_timer::time_point::max());
  std::optional<R> answer;
  std::exception_ptr failure;
  boost::asio::co_spawn(
      core, std::move(work),
      [here, &wake, &answer, &failure](std::exception_ptr error, R result) {
        boost::asio::post(here, [&wake, &answer, &failure, error,
                                 result = std::move(result)]() mutable {
          answer = std::move(result);
          failure = error;
          wake.cancel();
        });
      });
  boost::system::error_code ignored;  // operation_aborted: the answer came
  co_await wake.async_wait(
      boost::asio::redirect_error(boost::asio::use_awaitable, ignored));
  if (failure) std::rethrow_exception(failure);
  co_return std::move(*answer);
}

}  // namespace dds::http
