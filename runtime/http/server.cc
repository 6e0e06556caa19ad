// The connection loop (see server.h): accept, then per connection read a
// header, pick the body limit, read the body, let the service answer, write.
#include "runtime/http/server.h"

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <cassert>
#include <chrono>
#include <exception>
#include <memory>
#include <utility>

#include "runtime/address.h"
#include "runtime/log.h"

namespace dds::http {
namespace {

using tcp = net::ip::tcp;

// Idle time allowed before a request starts, and for each read or write.
constexpr auto kIdleTimeout = std::chrono::seconds(30);
constexpr auto kIoTimeout = std::chrono::seconds(30);
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
// After an error answer, unread input is drained (up to this much, for up to
// kDrainTimeout) so that closing does not reset the connection and destroy
// the answer before the client reads it.
constexpr size_t kDrainBytes = 1 << 20;
constexpr auto kDrainTimeout = std::chrono::seconds(1);

// Shared by the accept loop and its sessions; lives as long as any of them.
struct ListenerState {
  explicit ListenerState(HttpService& s) : service(s) {}
  HttpService& service;
  size_t sessions = 0;
};

// Ends the connection without an answer: the peer left or went quiet.
bool IsQuietEnd(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
         ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::operation_aborted;
}

// Only uploads may carry a large body. Beast checks its body limit when the
// header completes, before we know the method, so the parser is given the
// upload limit and smaller bodies are enforced here.
bool BodyTooLarge(const bhttp::request_parser<bhttp::string_body>& parser) {
  if (parser.get().method() == bhttp::verb::put) return false;
  return parser.chunked() || parser.content_length().value_or(0) > kMaxSmallBodyBytes;
}

template <class Body>
net::awaitable<beast::error_code> Write(beast::tcp_stream& stream,
                                        bhttp::response<Body>& response) {
  bhttp::serializer<false, Body> serializer{response};
  beast::error_code ec;
  while (!ec && !serializer.is_done()) {
    stream.expires_after(kIoTimeout);
    co_await bhttp::async_write_some(stream, serializer,
                                     net::redirect_error(net::use_awaitable, ec));
  }
  co_return ec;
}

// Answers a request that could not be read, then half-closes and drains.
net::awaitable<void> WriteError(beast::tcp_stream& stream, const beast::error_code& ec,
                                HttpCounters& counters) {
  Request request;
  request.keep_alive(false);
  auto status = bhttp::status::bad_request;
  if (ec == bhttp::error::body_limit) status = bhttp::status::payload_too_large;
  if (ec == bhttp::error::header_limit)
    status = bhttp::status::request_header_fields_too_large;
  StringResponse response = TextResponse(request, status, "bad request: " + ec.message());
  ++counters.by_status[static_cast<unsigned>(status)];
  if (co_await Write(stream, response)) co_return;
  beast::error_code ignored;
  stream.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  std::array<char, 16 * 1024> sink;
  stream.expires_after(kDrainTimeout);
  for (size_t drained = 0; !ignored && drained < kDrainBytes;) {
    drained += co_await stream.async_read_some(
        net::buffer(sink), net::redirect_error(net::use_awaitable, ignored));
  }
}

// Reads one request; on failure returns the error and leaves `request` empty.
net::awaitable<beast::error_code> ReadRequest(beast::tcp_stream& stream,
                                              beast::flat_buffer& buffer,
                                              Request& request) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(kMaxUploadBytes);
  beast::error_code ec;
  stream.expires_after(kIdleTimeout);
  co_await bhttp::async_read_header(stream, buffer, parser,
                                    net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return ec;
  if (BodyTooLarge(parser)) co_return bhttp::error::body_limit;
  if (beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
    bhttp::response<bhttp::empty_body> proceed{bhttp::status::continue_, 11};
    if (ec = co_await Write(stream, proceed); ec) co_return ec;
  }
  while (!parser.is_done()) {
    stream.expires_after(kIoTimeout);
    co_await bhttp::async_read_some(stream, buffer, parser,
                                    net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return ec;
  }
  request = parser.release();
  co_return ec;
}

net::awaitable<void> RunSession(beast::tcp_stream stream,
                                std::shared_ptr<ListenerState> state) {
  beast::flat_buffer buffer;
  for (;;) {
    Request request;
    beast::error_code ec = co_await ReadRequest(stream, buffer, request);
    if (ec) {
      if (!IsQuietEnd(ec)) co_await WriteError(stream, ec, state->service.counters());
      break;
    }
    Response response = co_await state->service.Handle(std::move(request));
    ++state->service.counters().by_status[static_cast<unsigned>(StatusOf(response))];
    const bool keep_alive =
        std::visit([](const auto& r) { return r.keep_alive(); }, response);
    ec = co_await std::visit([&](auto& r) { return Write(stream, r); }, response);
    if (ec || !keep_alive) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

void LogFailure(std::exception_ptr failure) {
  if (!failure) return;
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    Log(std::string("http: connection failed: ") + e.what());
  }
}

net::awaitable<void> AcceptLoop(tcp::acceptor acceptor,
                                std::shared_ptr<ListenerState> state) {
  for (;;) {
    beast::error_code ec;
    tcp::socket socket =
        co_await acceptor.async_accept(net::redirect_error(net::use_awaitable, ec));
    if (ec == net::error::operation_aborted) co_return;
    if (ec) {  // Out of descriptors, for instance: back off instead of spinning.
      net::steady_timer backoff(acceptor.get_executor(), kAcceptRetryDelay);
      co_await backoff.async_wait(net::redirect_error(net::use_awaitable, ec));
      continue;
    }
    if (state->sessions >= kMaxConnections) continue;  // `socket` closes here.
    ++state->sessions;
    net::co_spawn(acceptor.get_executor(),
                  RunSession(beast::tcp_stream(std::move(socket)), state),
                  [state](std::exception_ptr failure) {
                    --state->sessions;
                    LogFailure(failure);
                  });
  }
}

}  // namespace

Result<std::string> HttpListener::Bind(std::string_view listen) {
  Result<HostPort> address = ParseHostPort(listen);
  if (!address.ok()) return address.status();
  Result<tcp::endpoint> bound = BindAcceptor(acceptor_.emplace(io_), *address);
  if (!bound.ok()) {
    acceptor_.reset();
    return bound.status();
  }
  return FormatEndpoint(*bound);
}

void HttpListener::Serve(HttpService& service) {
  assert(acceptor_.has_value());
  net::co_spawn(
      io_, AcceptLoop(std::move(*acceptor_), std::make_shared<ListenerState>(service)),
      LogFailure);
  acceptor_.reset();
}

}  // namespace dds::http
