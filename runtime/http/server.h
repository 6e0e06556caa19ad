// The HTTP connection loop shared by the node and master front ends: binds a
// listening socket, accepts, and runs one C++20 coroutine per connection on
// the caller's io_context, over plain TCP or HTTPS. Protocol decisions belong
// to the HttpService; this file only moves bytes, with a timeout on every
// read and write and on the TLS handshake, a header size limit, a body size
// limit, and a cap on open connections.
//
// Threading: everything runs on the one thread that runs the io_context, so a
// service may call into the core directly.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "runtime/http/awaitable.h"
#include "runtime/http/http_common.h"
#include "runtime/http/https.h"
#include "runtime/http/url.h"

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

struct ListenerState;

// A listening socket and the connections it accepts.
class HttpListener {
 public:
  explicit HttpListener(net::io_context& io);
  ~HttpListener();

  // Binds `listen` ("host:port" or ":port"; see runtime/address.h; port 0
  // picks a free port) and listens; with `https`, loads the certificate and
  // key to serve HTTPS with. Returns the bound base URL.
  Result<BaseUrl> Bind(std::string_view listen, std::optional<HttpsFiles> https);
  // Accepts and serves every connection with `service` until the io_context
  // stops. REQUIRES: Bind() succeeded; `service` outlives the io_context's run.
  void Serve(HttpService& service);
  // Re-reads the HTTPS certificate and key (rotation): new connections use
  // them, open ones keep theirs; on failure the current ones stay. Ok and
  // nothing to do for plain HTTP.
  Status ReloadHttps();

 private:
  net::io_context& io_;
  std::optional<net::ip::tcp::acceptor> acceptor_;
  std::optional<HttpsFiles> https_;
  std::shared_ptr<ListenerState> state_;
};

}  // namespace dds::http
