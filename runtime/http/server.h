// The HTTP connection loop shared by the node and master front ends: binds a
// listening socket, accepts, and runs one C++20 coroutine per connection on
// the caller's io_context. Protocol decisions belong to the HttpService; this
// file only moves bytes, with a timeout on every read and write, a header
// size limit, a body size limit, and a cap on open connections.
//
// Threading: everything runs on the one thread that runs the io_context, so a
// service may call into the core directly.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "runtime/http/awaitable.h"
#include "runtime/http/http_common.h"

namespace dds::http {

// Largest accepted request header, and the largest upload body.
inline constexpr uint32_t kMaxHeaderBytes = 16 * 1024;
inline constexpr uint64_t kMaxUploadBytes = 256ull << 20;
// Requests other than PUT may carry at most this much body.
inline constexpr uint64_t kMaxSmallBodyBytes = 4 * 1024;
// Open connections per listener; more are closed on accept.
inline constexpr size_t kMaxConnections = 512;

class HttpService {
 public:
  virtual ~HttpService() = default;
  virtual net::awaitable<Response> Handle(Request request) = 0;
  // Responses sent, by status; the session counts, /metrics reports.
  virtual HttpCounters& counters() = 0;
};

// A listening socket and the connections it accepts.
class HttpListener {
 public:
  explicit HttpListener(net::io_context& io) : io_(io) {}

  // Binds `listen` ("host:port" or ":port"; see runtime/address.h; port 0
  // picks a free port) and listens. Returns the bound "host:port".
  Result<std::string> Bind(std::string_view listen);
  // Accepts and serves every connection with `service` until the io_context
  // stops. REQUIRES: Bind() succeeded; `service` outlives the io_context's run.
  void Serve(HttpService& service);

 private:
  net::io_context& io_;
  std::optional<net::ip::tcp::acceptor> acceptor_;
};

}  // namespace dds::http
