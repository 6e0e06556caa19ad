// The master's HTTP protocol logic, as a pure request -> decision function.
//
// Routes:
//   GET /                the dashboard (dashboard.h), HTML
//   GET /dashboard.js    its refresh script
//   GET /api/status      nodes (up/down, files current/behind, bytes behind,
//                        transfers), the converged flag and the latest
//                        notable events, as JSON
//   GET /api/files       the catalog as JSON, tombstones included, in pages
//                        (?prefix=P&after=PATH&limit=N; `next` continues,
//                        "" at the end)
//   GET /mirrors         base URLs of live mirrors, as JSON
//   GET /api/ignore      the cluster's ignore patterns and their version
//   POST /api/ignore?add=P | ?remove=P
//                        admin: adds or removes one pattern
//                        (core/ignore_filter.h); answers the new list
//   GET/HEAD /data/<p>   302 to a live node holding the current version;
//                        503 if none is live, 404 if unknown or deleted.
//                        Over HTTPS, only to mirrors that serve HTTPS.
//   PUT /data/<p>        admin upload: forwarded to a live node (the session
//                        does the forwarding; this handler picks the node);
//                        400 for a path the ignore patterns cover
//   DELETE /data/<p>     admin delete: Master::Remove (a tombstone)
//   POST /api/mv?from=A&to=B
//                        admin move: Master::Move (nodes rename, nothing is
//                        copied); answers B's new entry
//   GET /healthz, /metrics
//   GET /replica/catalog admin, the leader only (master_http.cc): a copy of
//                        its database, for a master behind the log
// docs/http.md describes every status code and header.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/catalog.h"
#include "core/master.h"
#include "core/status.h"
#include "runtime/http/dashboard.h"
#include "runtime/http/http_common.h"
#include "runtime/http/target.h"
#include "runtime/http/url.h"
#include "runtime/tls/certs.h"

namespace dds::http {

// /api/files pages: entries per page by default, and at most.
inline constexpr uint64_t kDefaultFilesPage = 1000;
inline constexpr uint64_t kMaxFilesPage = 10000;

// What the master's HTTP front end needs from the master. Implemented over
// dds::Master by master_http.cc and by fakes in tests.
class MasterBackend {
 public:
  virtual ~MasterBackend() = default;
  virtual std::vector<NodeStatus> Nodes() const = 0;
  virtual bool Converged() const = 0;
  virtual const Catalog& catalog() const = 0;
  virtual std::vector<NodeStatus> LiveHolders(const std::string& path) const = 0;
  virtual Result<CatalogEntry> Remove(const std::string& path) = 0;
  virtual Result<CatalogEntry> Move(const std::string& from, const std::string& to) = 0;
  virtual size_t decisions_pending() const = 0;
  // TLS: the master's own certificate, and the last one each member
  // connected with (none without TLS, or for a member not seen yet).
  virtual std::optional<CertIdentity> OwnCertificate() const = 0;
  virtual std::optional<CertIdentity> CertificateOf(const std::string& member) const = 0;
  // The master's latest notable events, newest first.
  virtual std::vector<AgedEvent> RecentEvents() const = 0;
  // The ignore patterns (Master::AddIgnore and friends).
  virtual const IgnoreRules& ignore_rules() const = 0;
  virtual bool Ignored(std::string_view path) const = 0;
  virtual Result<IgnoreRules> AddIgnore(const std::string& pattern) = 0;
  virtual Result<IgnoreRules> RemoveIgnore(const std::string& pattern) = 0;
};

// The handler's answer to an authorised upload: send the request body to
// this node's "PUT /data/<path>" and relay its answer.
struct UploadForward {
  BaseUrl node;      // the node's HTTP front end
  std::string path;  // validated
};

using MasterDecision = std::variant<Response, UploadForward>;

class MasterHandler {
 public:
  // `https`: this front end serves HTTPS, so it redirects only to mirrors
  // that do too.
  MasterHandler(MasterBackend& master, std::string admin_token,
                const HttpCounters& counters, bool https = false)
      : master_(master),
        admin_token_(std::move(admin_token)),
        counters_(counters),
        https_(https) {}

  MasterDecision Handle(const Request& request);
  // 401/403 unless the request carries the admin token; nullopt if it does.
  std::optional<Response> RefuseUnlessAdmin(const Request& request) const;

 private:
  MasterDecision HandleData(const Request& request);
  Response Redirect(const Request& request, const DataTarget& target);
  MasterDecision Upload(const Request& request, const DataTarget& target);
  Response Delete(const Request& request, const DataTarget& target);
  Response Dashboard(const Request& request) const;
  Response DashboardScript(const Request& request) const;
  Response ApiStatus(const Request& request) const;
  Response ApiFiles(const Request& request) const;
  Response Mirrors(const Request& request) const;
  Response ApiIgnore(const Request& request);
  Response ApiMove(const Request& request);
  Response Metrics(const Request& request) const;

  MasterBackend& master_;
  const std::string admin_token_;
  const HttpCounters& counters_;
  const bool https_;
  // Rotates redirects and uploads over the eligible nodes.
  uint64_t next_pick_ = 0;
};

}  // namespace dds::http
