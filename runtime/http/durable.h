// Awaiting durability from an HTTP handler: a request that changes state is
// carried out inside the Env's batch (AsioEnv::Call, like any message) and
// answered only once the flush has made it durable.
#pragma once

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

#include "runtime/asio_env.h"
#include "runtime/http/awaitable.h"

namespace dds::http {

// Runs `change` as one callback into the core, then suspends until what it
// wrote is durable. A timer that never expires is the wake-up: the flush
// cancels it.
template <typename F>
boost::asio::awaitable<void> CallDurably(AsioEnv& env, F&& change) {
  env.Call(std::forward<F>(change));
  auto wake = std::make_shared<boost::asio::steady_timer>(
      co_await boost::asio::this_coro::executor,
      boost::asio::steady_timer::time_point::max());
  env.WhenDurable([wake] { wake->cancel(); });
  boost::system::error_code ignored;  // operation_aborted: the flush came
  co_await wake->async_wait(
      boost::asio::redirect_error(boost::asio::use_awaitable, ignored));
}

}  // namespace dds::http
