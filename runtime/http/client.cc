// The HTTP client (see client.h).
#include "runtime/http/client.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <optional>
#include <utility>

#include "runtime/address.h"

namespace dds::http {

net::awaitable<Result<StringResponse>> Exchange(std::string address, Request request,
                                                std::chrono::milliseconds timeout) {
  Result<HostPort> split = ParseHostPort(address);
  if (!split.ok()) co_return split.status();
  auto executor = co_await net::this_coro::executor;
  beast::error_code ec;
  const auto failed = [&](std::string_view step) {
    return Status::IOError(std::string(step) + " " + address + ": " + ec.message());
  };
  net::ip::tcp::resolver resolver(executor);
  const auto endpoints =
      co_await resolver.async_resolve(split->host, std::to_string(split->port),
                                      net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return failed("resolve");
  beast::tcp_stream stream(executor);
  stream.expires_after(timeout);
  co_await stream.async_connect(endpoints, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return failed("connect to");
  request.set(bhttp::field::host, address);
  request.set(bhttp::field::user_agent, "dds");
  request.prepare_payload();
  co_await bhttp::async_write(stream, request,
                              net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return failed("send to");
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(kMaxClientResponseBytes);
  co_await bhttp::async_read(stream, buffer, parser,
                             net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return failed("read answer from");
  stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
  co_return parser.release();
}

Result<StringResponse> ExchangeBlocking(const std::string& address, Request request,
                                        std::chrono::milliseconds timeout) {
  net::io_context io;
  std::optional<Result<StringResponse>> result;
  net::co_spawn(
      io,
      [&]() -> net::awaitable<void> {
        result.emplace(co_await Exchange(address, std::move(request), timeout));
      },
      net::detached);
  io.run();
  if (!result) return Status::IOError("HTTP exchange with " + address + " failed");
  return std::move(*result);
}

Result<std::string> AddressFromUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) {
    return Status::InvalidArgument("URL \"" + std::string(url) +
                                   "\" must start with http://");
  }
  std::string_view rest = url.substr(kScheme.size());
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.empty() || rest.find('/') != std::string_view::npos) {
    return Status::InvalidArgument("URL \"" + std::string(url) +
                                   "\" must be http://HOST:PORT");
  }
  Result<HostPort> split = ParseHostPort(rest);
  if (!split.ok()) return split.status();
  return std::string(rest);
}

}  // namespace dds::http
