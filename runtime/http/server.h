// The HTTP connection loop shared by the node and master front ends: binds a
// listening socket, accepts, and runs one C++20 coroutine per connection,
// over plain TCP or HTTPS. Protocol decisions belong to the HttpService;
// this file only moves bytes, with a timeout on every read and write and on
// the TLS handshake, a header size limit, a body size limit, and a cap on
// open connections.
//
// Threading: the listener accepts on one io_context and hands each
// connection to a worker, in turn: an io_context (each run by one thread)
// and the service that answers there. With one worker on the accepting
// io_context (the master; a node with --http-threads 1) everything runs on
// that one thread, and a service may call into the core directly.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// Where a connection is served: Handle is called on `io`'s thread.
struct HttpWorker {
  net::io_context* io = nullptr;
  HttpService* service = nullptr;
};

struct ListenerState;

// A listening socket and the connections it accepts.
class HttpListener {
 public:
  // Accepts on `io`.
  explicit HttpListener(net::io_context& io);
  ~HttpListener();

  // Binds `listen` ("host:port" or ":port"; see runtime/address.h; port 0
  // picks a free port) and listens; with `https`, loads the certificate and
  // key to serve HTTPS with. Returns the bound base URL.
  Result<BaseUrl> Bind(std::string_view listen, std::optional<HttpsFiles> https);
  // Accepts and serves every connection with `service`, on the accepting
  // io_context, until it stops. REQUIRES: Bind() succeeded; `service`
  // outlives the io_context's run.
  void Serve(HttpService& service);
  // Accepts until the accepting io_context stops, and serves each
  // connection on the next of `workers` in turn. REQUIRES: Bind() succeeded;
  // at least one worker; each service outlives its io_context's run.
  void Serve(std::vector<HttpWorker> workers);
  // Re-reads the HTTPS certificate and key (rotation): new connections use
  // them, open ones keep theirs; on failure the current ones stay. Ok and
  // nothing to do for plain HTTP. Any thread.
  Status ReloadHttps();

 private:
  net::io_context& io_;
  std::optional<net::ip::tcp::acceptor> acceptor_;
  std::optional<HttpsFiles> https_;
  std::shared_ptr<ListenerState> state_;
};

}  // namespace dds::http
