// The master's HTTP server (cluster status, catalog, mirrors, redirects to
// mirrors, admin upload and delete), served on the master's io_context.
// Routes and status codes: master_handler.h and docs/http.md.
//
// Wiring in the master host:
//
//   dds::http::MasterHttpServer http(io, {.listen = http_flag,
//                                         .admin_token = token});
//   dds::Result<BaseUrl> bound = http.Bind();  // log it
//   http.Serve({.leading = [&] { return host.master(); },
//               .leader_url = ...}, env);  // the master's AsioEnv
//
// Suggested flags for `dds master`: `--http HOST:PORT` (default
// 127.0.0.1:5559, the client verbs' default) and `--admin-token` (or env
// DDS_ADMIN_TOKEN); without a token, PUT and DELETE answer 403.
// `--https-cert`/`--https-key` serve HTTPS instead; SIGHUP re-reads them.
//
// Threading: call from the io_context's thread; handlers run there too.
#pragma once

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/master.h"
#include "core/status.h"
#include "runtime/asio_env.h"
#include "runtime/http/server.h"
#include "runtime/unique_fd.h"

namespace dds::http {

inline constexpr std::string_view kDefaultMasterHttp = "127.0.0.1:5559";

struct MasterHttpOptions {
  std::string listen = std::string(kDefaultMasterHttp);
  std::string admin_token;          // empty: PUT and DELETE refused (403)
  std::optional<HttpsFiles> https;  // serve HTTPS with these; none: HTTP
  // CA bundles trusted, besides the system's, when an upload is forwarded to
  // a node that serves HTTPS (the cluster CA, for instance).
  std::vector<std::filesystem::path> trust;
};

// Where the server finds the master: the Master while this process leads
// (always, for a master that stands alone), else null; and then where the
// leader serves HTTP (a 307 sends users there; empty: 503 until one leads).
struct MasterSource {
  std::function<dds::Master*()> leading;
  std::function<std::string()> leader_url;
  // With standbys: a consistent copy of this master's database (an open
  // file and its size), for GET /replica/catalog; run on a thread of its
  // own. Empty: that route answers 404.
  std::function<Result<std::pair<UniqueFd, uint64_t>>()> copy_catalog;
};

// Where a master behind the log downloads the leader's catalog from.
inline constexpr std::string_view kCatalogCopyTarget = "/replica/catalog";

class MasterHttpServer {
 public:
  MasterHttpServer(boost::asio::io_context& io, MasterHttpOptions options);
  ~MasterHttpServer();
  MasterHttpServer(const MasterHttpServer&) = delete;
  MasterHttpServer& operator=(const MasterHttpServer&) = delete;

  // Binds the listening socket and loads the HTTPS files; returns the bound
  // base URL.
  Result<BaseUrl> Bind();
  // Re-reads the HTTPS files (what SIGHUP does); on failure the current ones
  // stay.
  Status ReloadHttps();
  // REQUIRES: Bind() succeeded; the master and `env` (its Env, through
  // which deletes reach the core) outlive the io_context's run.
  void Serve(MasterSource source, AsioEnv& env);

 private:
  class Service;

  // (Re)loads node_tls_ from options_.trust and the system's CAs.
  Status LoadNodeTrust();

  const MasterHttpOptions options_;
  SslContextPtr node_tls_;  // verifies nodes that serve HTTPS
  std::unique_ptr<Service> service_;
  HttpListener listener_;
};

}  // namespace dds::http
