// The HTTP client (see client.h).
#include "runtime/http/client.h"

#include <openssl/ssl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <functional>
#include <optional>
#include <utility>

#include "runtime/address.h"

namespace dds::http {
namespace {

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One request and its answer over a connected stream, read by `parser`
// (whose body is set up); the step that failed and why.
template <class Stream, class Parser>
net::awaitable<Status> RequestOver(Stream& stream, Request& request,
                                   const std::string& address, Parser& parser) {
  beast::error_code ec;
  const auto failed = [&](std::string_view step) {
    return Status::IOError(std::string(step) + " " + address + ": " + ec.message());
  };
  co_await bhttp::async_write(stream, request,
                              net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return failed("send to");
  beast::flat_buffer buffer;
  co_await bhttp::async_read(stream, buffer, parser,
                             net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return failed("read answer from");
  co_return Status::Ok();
}

bool IsIpLiteral(const std::string& host) {
  beast::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

// Connects to `url` (TLS if it says https), sends `request` and reads the
// answer into `parser`.
template <class Parser>
net::awaitable<Status> Talk(const BaseUrl& url, Request request,
                            std::chrono::milliseconds timeout, const SslContextPtr& tls,
                            Parser& parser) {
  const std::string& address = url.address;
  Result<HostPort> split = ParseHostPort(address);
  if (!split.ok()) co_return split.status();
  if (url.https && !tls)
    co_return Status::InvalidArgument("no TLS settings to reach " + url.ToString());
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
  if (!url.https) {
    Status answer = co_await RequestOver(stream, request, address, parser);
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    co_return answer;
  }
  TlsStream secure(std::move(stream), *tls);
  // The certificate must name the host dialled; SNI lets a server with
  // several names pick the right one.
  secure.set_verify_callback(net::ssl::host_name_verification(split->host));
  if (!IsIpLiteral(split->host))
    SSL_set_tlsext_host_name(secure.native_handle(), split->host.c_str());
  co_await secure.async_handshake(TlsStream::client,
                                  net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return failed("TLS handshake with");
  Status answer = co_await RequestOver(secure, request, address, parser);
  co_await secure.async_shutdown(net::redirect_error(net::use_awaitable, ec));
  co_return answer;
}

// Runs `exchange` on a private io_context, for synchronous callers.
template <class T>
Result<T> Blocking(const BaseUrl& url,
                   std::function<net::awaitable<Result<T>>()> exchange) {
  net::io_context io;
  std::optional<Result<T>> result;
  net::co_spawn(
      io, [&]() -> net::awaitable<void> { result.emplace(co_await exchange()); },
      net::detached);
  io.run();
  if (!result) return Status::IOError("HTTP exchange with " + url.address + " failed");
  return std::move(*result);
}

}  // namespace

net::awaitable<Result<StringResponse>> Exchange(BaseUrl url, Request request,
                                                std::chrono::milliseconds timeout,
                                                SslContextPtr tls) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(kMaxClientResponseBytes);
  Status s = co_await Talk(url, std::move(request), timeout, tls, parser);
  if (!s.ok()) co_return s;
  co_return parser.release();
}

Result<StringResponse> ExchangeBlocking(const BaseUrl& url, Request request,
                                        std::chrono::milliseconds timeout,
                                        SslContextPtr tls) {
  return Blocking<StringResponse>(
      url, [&] { return Exchange(url, std::move(request), timeout, tls); });
}

Result<unsigned> DownloadBlocking(const BaseUrl& url, Request request,
                                  std::chrono::milliseconds timeout, SslContextPtr tls,
                                  const std::string& path, uint64_t max_bytes) {
  return Blocking<unsigned>(url, [&]() -> net::awaitable<Result<unsigned>> {
    bhttp::response_parser<bhttp::file_body> parser;
    parser.body_limit(max_bytes);
    beast::error_code ec;
    parser.get().body().open(path.c_str(), beast::file_mode::write, ec);
    if (ec) co_return Status::IOError("cannot write " + path + ": " + ec.message());
    Status s = co_await Talk(url, std::move(request), timeout, tls, parser);
    if (!s.ok()) co_return s;
    co_return parser.get().result_int();
  });
}

}  // namespace dds::http
