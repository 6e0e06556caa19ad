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
//
// Threading: call from the io_context's thread; handlers run there too.
#pragma once

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/env.h"
#include "core/node.h"
#include "core/status.h"
#include "runtime/asio_env.h"
#include "runtime/http/server.h"
#include "runtime/posix_file_store.h"

namespace dds::http {

struct NodeHttpOptions {
  std::string listen = "127.0.0.1:0";
  std::string admin_token;          // empty: uploads refused (403)
  std::optional<HttpsFiles> https;  // serve HTTPS with these; none: HTTP
};

class NodeHttpServer {
 public:
  NodeHttpServer(boost::asio::io_context& io, NodeHttpOptions options);
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
  // reach the core) outlive the io_context's run.
  void Serve(dds::Node& node, PosixFileStore& files, AsioEnv& env);

 private:
  class Service;

  const NodeHttpOptions options_;
  std::unique_ptr<Service> service_;
  HttpListener listener_;
};

}  // namespace dds::http
