// The connection loop (see server.h): accept, shake hands if HTTPS, then per
// request read a header, pick the body limit, read the body, let the service
// answer, write. The loop is one template over the plain and the TLS stream.
#include "runtime/http/server.h"

#include <sys/sendfile.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cassert>
#include <cerrno>
#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "runtime/address.h"
#include "runtime/log.h"

namespace dds::http {
namespace {

using tcp = net::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// Idle time allowed before a request starts, and for each read or write.
constexpr auto kIdleTimeout = std::chrono::seconds(30);
constexpr auto kIoTimeout = std::chrono::seconds(30);
// A client that connects to an HTTPS port must finish its handshake within
// this long: a stalled handshake holds a connection slot.
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
// After an error answer, unread input is drained (up to this much, for up to
// kDrainTimeout) so that closing does not reset the connection and destroy
// the answer before the client reads it.
constexpr size_t kDrainBytes = 1 << 20;
constexpr auto kDrainTimeout = std::chrono::seconds(1);

}  // namespace

// Shared by the listener, its accept loop and its sessions (on every
// worker's thread); lives as long as any of them.
struct ListenerState {
  std::vector<HttpWorker> workers;  // set before the accept loop starts
  std::atomic<size_t> sessions{0};

  SslContextPtr tls() {
    const std::lock_guard lock(tls_mutex);
    return tls_now;
  }
  void set_tls(SslContextPtr tls) {
    const std::lock_guard lock(tls_mutex);
    tls_now = std::move(tls);
  }

 private:
  std::mutex tls_mutex;   // SIGHUP reloads on the core's thread
  SslContextPtr tls_now;  // none: plain HTTP
};

namespace {

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

template <class Stream, class Body>
net::awaitable<beast::error_code> Write(Stream& stream, bhttp::response<Body>& response) {
  bhttp::serializer<false, Body> serializer{response};
  beast::error_code ec;
  while (!ec && !serializer.is_done()) {
    beast::get_lowest_layer(stream).expires_after(kIoTimeout);
    co_await bhttp::async_write_some(stream, serializer,
                                     net::redirect_error(net::use_awaitable, ec));
  }
  co_return ec;
}

template <class Stream>
net::awaitable<beast::error_code> Write(Stream& stream, WireResponse& response) {
  const std::array buffers{net::buffer(response.head), net::buffer(response.body)};
  beast::get_lowest_layer(stream).expires_after(kIoTimeout);
  beast::error_code ec;
  co_await net::async_write(stream, buffers, net::redirect_error(net::use_awaitable, ec));
  co_return ec;
}

// Waits until `socket` can take more bytes, for at most kIoTimeout.
net::awaitable<beast::error_code> WaitWritable(tcp::socket& socket) {
  net::steady_timer deadline(socket.get_executor(), kIoTimeout);
  // Set once the wait is over, so a deadline that fired meanwhile leaves
  // the socket alone (it may be gone by the time its handler runs).
  auto waiting = std::make_shared<bool>(true);
  deadline.async_wait([&socket, waiting](const beast::error_code& ec) {
    if (!ec && *waiting) socket.cancel();
  });
  beast::error_code ec;
  co_await socket.async_wait(tcp::socket::wait_write,
                             net::redirect_error(net::use_awaitable, ec));
  *waiting = false;
  co_return ec == net::error::operation_aborted ? beast::error::timeout : ec;
}

// A large file over plain TCP: the header through Beast, then the body by
// sendfile, from the page cache to the socket with no copy through this
// process (what nginx does). A small one is in memory already.
net::awaitable<beast::error_code> Write(beast::tcp_stream& stream,
                                        FileResponse& response) {
  const FileSliceBody::value_type& body = response.body();
  if (body.source->content)
    co_return co_await Write<beast::tcp_stream, FileSliceBody>(stream, response);
  bhttp::serializer<false, FileSliceBody> serializer{response};
  beast::error_code ec;
  stream.expires_after(kIoTimeout);
  co_await bhttp::async_write_header(stream, serializer,
                                     net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return ec;
  tcp::socket& socket = stream.socket();
  socket.native_non_blocking(true, ec);
  off_t offset = static_cast<off_t>(body.offset);
  for (uint64_t left = body.length; !ec && left > 0;) {
    const ssize_t sent = ::sendfile(socket.native_handle(), body.source->fd.get(),
                                    &offset, std::min<uint64_t>(left, 1 << 30));
    if (sent > 0) {
      left -= static_cast<uint64_t>(sent);
    } else if (sent == 0) {  // The file shrank under us: fail rather than send short.
      ec = bhttp::error::short_read;
    } else if (errno == EAGAIN) {
      ec = co_await WaitWritable(socket);
    } else if (errno != EINTR) {
      ec = beast::error_code(errno, boost::system::system_category());
    }
  }
  co_return ec;
}

// Ends a plain connection: no more answers.
net::awaitable<void> End(beast::tcp_stream& stream) {
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  co_return;
}

// Ends a TLS connection with a close_notify, so the client can tell the end
// of the answer from a cut.
net::awaitable<void> End(TlsStream& stream) {
  beast::get_lowest_layer(stream).expires_after(kDrainTimeout);
  beast::error_code ignored;
  co_await stream.async_shutdown(net::redirect_error(net::use_awaitable, ignored));
  co_await End(beast::get_lowest_layer(stream));
}

// After an error answer, a plain connection drains unread input before it
// closes (see kDrainBytes).
net::awaitable<void> EndAfterError(beast::tcp_stream& stream) {
  co_await End(stream);
  beast::error_code ignored;
  std::array<char, 16 * 1024> sink;
  stream.expires_after(kDrainTimeout);
  for (size_t drained = 0; !ignored && drained < kDrainBytes;) {
    drained += co_await stream.async_read_some(
        net::buffer(sink), net::redirect_error(net::use_awaitable, ignored));
  }
}

// TLS cannot half-close: the close_notify is the end of the answer.
net::awaitable<void> EndAfterError(TlsStream& stream) { co_await End(stream); }

// Answers a request that could not be read, then ends the connection.
template <class Stream>
net::awaitable<void> WriteError(Stream& stream, const beast::error_code& ec,
                                HttpCounters& counters) {
  Request request;
  request.keep_alive(false);
  auto status = bhttp::status::bad_request;
  if (ec == bhttp::error::body_limit) status = bhttp::status::payload_too_large;
  if (ec == bhttp::error::header_limit)
    status = bhttp::status::request_header_fields_too_large;
  StringResponse response = TextResponse(request, status, "bad request: " + ec.message());
  counters.Count(static_cast<unsigned>(status));
  if (co_await Write(stream, response)) co_return;
  co_await EndAfterError(stream);
}

// Reads one request; on failure returns the error and leaves `request` empty.
template <class Stream>
net::awaitable<beast::error_code> ReadRequest(Stream& stream, beast::flat_buffer& buffer,
                                              Request& request) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(kMaxUploadBytes);
  beast::error_code ec;
  beast::get_lowest_layer(stream).expires_after(kIdleTimeout);
  co_await bhttp::async_read_header(stream, buffer, parser,
                                    net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return ec;
  if (BodyTooLarge(parser)) co_return bhttp::error::body_limit;
  if (beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
    bhttp::response<bhttp::empty_body> proceed{bhttp::status::continue_, 11};
    if (ec = co_await Write(stream, proceed); ec) co_return ec;
  }
  while (!parser.is_done()) {
    beast::get_lowest_layer(stream).expires_after(kIoTimeout);
    co_await bhttp::async_read_some(stream, buffer, parser,
                                    net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return ec;
  }
  request = parser.release();
  co_return ec;
}

template <class Stream>
net::awaitable<void> ServeRequests(Stream& stream, HttpService& service) {
  beast::flat_buffer buffer;
  for (;;) {
    Request request;
    beast::error_code ec = co_await ReadRequest(stream, buffer, request);
    if (ec) {
      if (!IsQuietEnd(ec)) co_await WriteError(stream, ec, service.counters());
      co_return;
    }
    Response response = co_await service.Handle(std::move(request));
    service.counters().Count(static_cast<unsigned>(StatusOf(response)));
    const bool keep_alive =
        std::visit([](const auto& r) { return r.keep_alive(); }, response);
    ec = co_await std::visit([&](auto& r) { return Write(stream, r); }, response);
    if (ec) co_return;
    if (!keep_alive) break;
  }
  co_await End(stream);
}

std::string PeerOf(const tcp::socket& socket) {
  beast::error_code ec;
  const tcp::endpoint peer = socket.remote_endpoint(ec);
  return ec ? "a client" : FormatEndpoint(peer);
}

// `tls` is held here for as long as the stream made from it lives.
net::awaitable<void> RunSession(tcp::socket socket, SslContextPtr tls,
                                HttpService& service) {
  if (!tls) {
    beast::tcp_stream stream(std::move(socket));
    co_await ServeRequests(stream, service);
    co_return;
  }
  const std::string peer = PeerOf(socket);
  TlsStream stream(beast::tcp_stream(std::move(socket)), *tls);
  beast::get_lowest_layer(stream).expires_after(kHandshakeTimeout);
  beast::error_code ec;
  co_await stream.async_handshake(TlsStream::server,
                                  net::redirect_error(net::use_awaitable, ec));
  if (ec) {
    Log("https: handshake with " + peer + " failed: " + ec.message());
    co_return;
  }
  co_await ServeRequests(stream, service);
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
  for (size_t next = 0;; next = (next + 1) % state->workers.size()) {
    const HttpWorker& worker = state->workers[next];
    beast::error_code ec;
    // The socket belongs to the worker's io_context from the start.
    tcp::socket socket = co_await acceptor.async_accept(
        *worker.io, net::redirect_error(net::use_awaitable, ec));
    if (ec == net::error::operation_aborted) co_return;
    if (ec) {  // Out of descriptors, for instance: back off instead of spinning.
      net::steady_timer backoff(acceptor.get_executor(), kAcceptRetryDelay);
      co_await backoff.async_wait(net::redirect_error(net::use_awaitable, ec));
      continue;
    }
    if (state->sessions >= kMaxConnections) continue;  // `socket` closes here.
    ++state->sessions;
    net::co_spawn(*worker.io,
                  RunSession(std::move(socket), state->tls(), *worker.service),
                  [state](std::exception_ptr failure) {
                    --state->sessions;
                    LogFailure(failure);
                  });
  }
}

}  // namespace

HttpListener::HttpListener(net::io_context& io)
    : io_(io), state_(std::make_shared<ListenerState>()) {}

HttpListener::~HttpListener() = default;

Result<BaseUrl> HttpListener::Bind(std::string_view listen,
                                   std::optional<HttpsFiles> https) {
  https_ = std::move(https);
  if (Status s = ReloadHttps(); !s.ok()) return s;
  Result<HostPort> address = ParseHostPort(listen);
  if (!address.ok()) return address.status();
  Result<tcp::endpoint> bound = BindAcceptor(acceptor_.emplace(io_), *address);
  if (!bound.ok()) {
    acceptor_.reset();
    return bound.status();
  }
  return BaseUrl{.https = https_.has_value(), .address = FormatEndpoint(*bound)};
}

void HttpListener::Serve(HttpService& service) { Serve({{&io_, &service}}); }

void HttpListener::Serve(std::vector<HttpWorker> workers) {
  assert(acceptor_.has_value() && !workers.empty());
  state_->workers = std::move(workers);
  net::co_spawn(io_, AcceptLoop(std::move(*acceptor_), state_), LogFailure);
  acceptor_.reset();
}

Status HttpListener::ReloadHttps() {
  if (!https_) return Status::Ok();
  Result<SslContextPtr> tls = LoadHttpsServer(*https_);
  if (!tls.ok()) return tls.status();
  state_->set_tls(std::move(*tls));
  return Status::Ok();
}

}  // namespace dds::http
