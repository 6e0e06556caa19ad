// A node's HTTP server (files, listings, health, metrics, admin uploads),
// served on the node's io_context. Routes and status codes: node_handler.h
// and docs/http.md.
//
// Wiring in the node host, in this order (the node must register its HTTP
// address, so the port is bound before the dds::Node exists):
//
//   dds::http::NodeHttpServer http(io, {.listen = http_flag,
//                                       .admin_token = token});
//   dds::Result<BaseUrl> bound = http.Bind();  // "http://127.0.0.1:41234"
//   node_options.http_url = bound->ToString();  // log it, too
//   ... construct and Start() the dds::Node ...
//   http.Serve(node, files, env);  // the node's PosixFileStore and AsioEnv
//
// Suggested flags for `dds node`: `--http HOST:PORT` (default 127.0.0.1:0,
// any free port) and `--admin-token` (or env DDS_ADMIN_TOKEN), which enables
// `PUT /data/<path>` uploads; the master forwards `dds put` to a node with the
// same token, so a cluster gives master and nodes the same one.
// `--https-cert`/`--https-key` serve HTTPS instead; SIGHUP re-reads them.
// `--http-threads N` sets `threads`.
//
// Threading: call from the io_context's thread (the core's). With one
// thread, everything runs there, as the core does. With N > 1, N threads of
// their own (IoThreads) each accept their share of the connections and
// answer file GETs themselves, from what the core told them
// (ServedFileCache) or by asking it (OnCore); every other request (listings,
// metrics, uploads) is handed to the core's thread whole.
#pragma once

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/env.h"
#include "core/node.h"
#include "core/status.h"
#include "runtime/asio_env.h"
#include "runtime/http/io_threads.h"
#include "runtime/http/node_handler.h"
#include "runtime/http/server.h"
#include "runtime/posix_file_store.h"

namespace dds::http {

struct NodeHttpOptions {
  std::string listen = "127.0.0.1:0";
  std::string admin_token;          // empty: uploads refused (403)
  std::optional<HttpsFiles> https;  // serve HTTPS with these; none: HTTP
  size_t threads = 1;               // 1: on the core's thread
};

class NodeHttpServer {
 public:
  // `io` is the core's io_context.
  NodeHttpServer(boost::asio::io_context& io, NodeHttpOptions options);
  // Stops and joins the HTTP threads. REQUIRES: the core's io_context is no
  // longer run (stopped, or never run): see OnCore.
  ~NodeHttpServer();
  NodeHttpServer(const NodeHttpServer&) = delete;
  NodeHttpServer& operator=(const NodeHttpServer&) = delete;

  // Binds the listening socket and loads the HTTPS files; returns the bound
  // base URL.
  Result<BaseUrl> Bind();
  // Re-reads the HTTPS files (what SIGHUP does); on failure the current ones
  // stay.
  Status ReloadHttps();
  // Starts serving `node`'s files. REQUIRES: Bind() succeeded; `node`,
  // `files` (its data directory) and `env` (its Env, through which uploads
  // reach the core) outlive this server.
  void Serve(dds::Node& node, PosixFileStore& files, AsioEnv& env);
  // The same over any NodeBackend (tests use a fake), which only the core's
  // thread calls.
  void Serve(NodeBackend& backend, AsioEnv& env);

 private:
  class CoreSide;
  class Worker;

  boost::asio::io_context& core_io_;
  const NodeHttpOptions options_;
  std::unique_ptr<IoThreads> threads_;  // none: one thread, the core's
  HttpListener listener_;
  std::unique_ptr<NodeBackend> node_;  // over the real node
  std::unique_ptr<CoreSide> core_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace dds::http
