// The master's HTTP routes (see master_handler.h and docs/http.md).
#include "runtime/http/master_handler.h"

#include <charconv>
#include <chrono>
#include <utility>

#include "runtime/tls/credentials.h"

namespace dds::http {
namespace {

// "cert_expires" ("" when unknown) and "cert_expires_soon" (within
// kExpiryWarningAhead: time to rotate), as members of a JSON object.
std::string CertJson(std::string_view prefix, const std::optional<CertIdentity>& cert) {
  const bool soon = cert && ExpiresSoon(*cert, std::chrono::system_clock::now());
  return ",\"" + std::string(prefix) +
         "cert_expires\":" + JsonQuote(cert ? FormatExpiry(cert->not_after) : "") +
         ",\"" + std::string(prefix) + "cert_expires_soon\":" + (soon ? "true" : "false");
}

// The URL a node registered, if it is one (members are authenticated, but
// a bad URL must still not become a redirect).
std::optional<BaseUrl> UrlOf(const NodeStatus& node) {
  Result<BaseUrl> url = ParseBaseUrl(node.http_url);
  if (!url.ok()) return std::nullopt;
  return std::move(*url);
}

std::string NodeJson(const NodeStatus& node, const std::optional<CertIdentity>& cert) {
  const std::optional<BaseUrl> url = UrlOf(node);
  return "{\"name\":" + JsonQuote(node.name) + ",\"up\":" + (node.up ? "true" : "false") +
         ",\"peer_address\":" + JsonQuote(node.peer_address) +
         ",\"http_address\":" + JsonQuote(url ? url->address : "") +
         ",\"http_url\":" + JsonQuote(url ? url->ToString() : "") +
         ",\"disk_full\":" + (node.disk_full ? "true" : "false") +
         ",\"files_current\":" + std::to_string(node.files_current) +
         ",\"files_behind\":" + std::to_string(node.files_behind) +
         ",\"bytes_behind\":" + std::to_string(node.bytes_behind) +
         ",\"synced\":" + (node.synced ? "true" : "false") +
         ",\"watch_incomplete\":" + (node.watch_incomplete ? "true" : "false") +
         ",\"transfers\":" + std::to_string(node.transfers) +
         ",\"refused_names\":" + std::to_string(node.refused_names) + CertJson("", cert) +
         "}";
}

// The query string of the request's target ("" if it has none).
std::string_view QueryOf(const Request& request) {
  const std::string_view target(request.target().data(), request.target().size());
  const size_t question = target.find('?');
  return question == std::string_view::npos ? std::string_view()
                                            : target.substr(question + 1);
}

std::string IgnoreJson(const IgnoreRules& rules) {
  return "{\"version\":" + std::to_string(rules.version) + ",\"patterns\":" +
         JsonArray(rules.patterns, [](const std::string& p) { return JsonQuote(p); }) +
         "}";
}

std::string EntryJson(std::string_view path, uint64_t version, uint64_t size,
                      const Digest& hash, bool tombstone, const std::string& origin) {
  return "{\"path\":" + JsonQuote(path) + ",\"version\":" + std::to_string(version) +
         ",\"size\":" + std::to_string(size) +
         ",\"hash\":" + JsonQuote(tombstone ? "" : hash.Hex()) +
         ",\"tombstone\":" + (tombstone ? "true" : "false") +
         ",\"origin\":" + JsonQuote(origin) + "}";
}

std::string EntryJson(const CatalogEntry& e) {
  return EntryJson(e.path, e.version, e.size, e.hash, e.tombstone, e.origin);
}

std::string EventJson(const AgedEvent& event) {
  return "{\"age_ms\":" +
         std::to_string(
             std::chrono::duration_cast<std::chrono::milliseconds>(event.age).count()) +
         ",\"text\":" + JsonQuote(event.text) + "}";
}

struct Mirror {
  std::string name;
  BaseUrl url;
};

// Up nodes that serve HTTP, in name order; with `https_only`, those that
// serve HTTPS: a user who came over HTTPS is never sent to plain HTTP.
std::vector<Mirror> LiveMirrors(const std::vector<NodeStatus>& nodes, bool https_only) {
  std::vector<Mirror> mirrors;
  for (const NodeStatus& node : nodes) {
    if (!node.up) continue;
    std::optional<BaseUrl> url = UrlOf(node);
    if (url && (url->https || !https_only))
      mirrors.push_back({node.name, std::move(*url)});
  }
  return mirrors;
}

StringResponse Found(const Request& request, const std::string& location) {
  StringResponse response = TextResponse(request, bhttp::status::found, location);
  response.set(bhttp::field::location, location);
  response.set(bhttp::field::cache_control, "no-store");
  return response;
}

}  // namespace

MasterDecision MasterHandler::Handle(const Request& request) {
  std::string_view target(request.target().data(), request.target().size());
  if (target == "/data" || target.starts_with("/data/") || target.starts_with("/data?")) {
    return HandleData(request);
  }
  if (target == "/api/ignore" || target.starts_with("/api/ignore?")) {
    return ApiIgnore(request);
  }
  if (target == "/api/mv" || target.starts_with("/api/mv?")) return ApiMove(request);
  target = target.substr(0, target.find('?'));
  using Route = Response (MasterHandler::*)(const Request&) const;
  static constexpr std::pair<std::string_view, Route> kRoutes[] = {
      {"/", &MasterHandler::Dashboard},
      {"/dashboard.js", &MasterHandler::DashboardScript},
      {"/api/status", &MasterHandler::ApiStatus},
      {"/api/files", &MasterHandler::ApiFiles},
      {"/mirrors", &MasterHandler::Mirrors},
      {"/metrics", &MasterHandler::Metrics},
  };
  const bool read =
      request.method() == bhttp::verb::get || request.method() == bhttp::verb::head;
  for (const auto& [path, route] : kRoutes) {
    if (target != path) continue;
    if (!read) return MethodNotAllowed(request, "GET, HEAD");
    return (this->*route)(request);
  }
  if (target != "/healthz")
    return TextResponse(request, bhttp::status::not_found, "not found");
  if (!read) return MethodNotAllowed(request, "GET, HEAD");
  return TextResponse(request, bhttp::status::ok, "ok");
}

MasterDecision MasterHandler::HandleData(const Request& request) {
  Result<DataTarget> target =
      ParseDataTarget(std::string_view(request.target().data(), request.target().size()));
  if (!target.ok()) {
    return TextResponse(request, bhttp::status::bad_request, target.status().message());
  }
  switch (request.method()) {
    case bhttp::verb::get:
    case bhttp::verb::head:
      return Redirect(request, *target);
    case bhttp::verb::put:
      return Upload(request, *target);
    case bhttp::verb::delete_:
      return Delete(request, *target);
    default:
      return MethodNotAllowed(request, "GET, HEAD, PUT, DELETE");
  }
}

Response MasterHandler::Redirect(const Request& request, const DataTarget& target) {
  std::vector<Mirror> candidates;
  if (target.directory) {
    candidates = LiveMirrors(master_.Nodes(), https_);
  } else {
    const Catalog::Slot* entry = master_.catalog().Find(target.path);
    if (entry == nullptr || entry->tombstone) {
      return TextResponse(request, bhttp::status::not_found,
                          "not found: /data/" + target.path);
    }
    candidates = LiveMirrors(master_.LiveHolders(target.path), https_);
  }
  if (candidates.empty())
    return Unavailable(request, "no live mirror holds it right now");
  const Mirror& pick = candidates[next_pick_++ % candidates.size()];
  const std::string suffix =
      target.path.empty() ? "" : target.path + (target.directory ? "/" : "");
  return Found(request, pick.url.ToString() + std::string(kDataPrefix) +
                            PercentEncodePath(suffix));
}

std::optional<Response> MasterHandler::RefuseUnlessAdmin(const Request& request) const {
  if (admin_token_.empty()) {
    return TextResponse(request, bhttp::status::forbidden,
                        "admin operations are disabled (no admin token configured)");
  }
  if (BearerMatches(request, admin_token_)) return std::nullopt;
  StringResponse response =
      TextResponse(request, bhttp::status::unauthorized, "admin token required");
  response.set(bhttp::field::www_authenticate, "Bearer realm=\"dds\"");
  return response;
}

MasterDecision MasterHandler::Upload(const Request& request, const DataTarget& target) {
  if (std::optional<Response> refusal = RefuseUnlessAdmin(request))
    return std::move(*refusal);
  if (target.directory) {
    return TextResponse(request, bhttp::status::bad_request,
                        "cannot upload to a directory");
  }
  if (master_.Ignored(target.path)) {
    return TextResponse(
        request, bhttp::status::bad_request,
        "the cluster's ignore patterns cover " + target.path + " (dds ignore ls)");
  }
  // The master itself carries the upload to the node, over either scheme.
  const std::vector<Mirror> nodes = LiveMirrors(master_.Nodes(), false);
  if (nodes.empty()) return Unavailable(request, "no live node to store the upload");
  return UploadForward{nodes[next_pick_++ % nodes.size()].url, target.path};
}

Response MasterHandler::Delete(const Request& request, const DataTarget& target) {
  if (std::optional<Response> refusal = RefuseUnlessAdmin(request))
    return std::move(*refusal);
  if (target.directory) {
    return TextResponse(request, bhttp::status::bad_request, "cannot delete a directory");
  }
  Result<CatalogEntry> removed = master_.Remove(target.path);
  if (removed.status().IsNotFound()) {
    return TextResponse(request, bhttp::status::not_found,
                        "not found: /data/" + target.path);
  }
  if (!removed.ok()) {
    return TextResponse(request, bhttp::status::bad_request, removed.status().message());
  }
  return JsonResponse(request, EntryJson(removed.value()));
}

Response MasterHandler::ApiStatus(const Request& request) const {
  const Catalog& catalog = master_.catalog();
  return JsonResponse(
      request, std::string("{\"converged\":") + (master_.Converged() ? "true" : "false") +
                   ",\"files\":" + std::to_string(catalog.live_files()) +
                   ",\"bytes\":" + std::to_string(catalog.live_bytes()) +
                   CertJson("master_", master_.OwnCertificate()) + ",\"nodes\":" +
                   JsonArray(master_.Nodes(),
                             [&](const NodeStatus& node) {
                               return NodeJson(node, master_.CertificateOf(node.name));
                             }) +
                   ",\"events\":" + JsonArray(master_.RecentEvents(), EventJson) +
                   ",\"ignore\":" + IgnoreJson(master_.ignore_rules()) + "}");
}

Response MasterHandler::ApiMove(const Request& request) {
  if (request.method() != bhttp::verb::post) return MethodNotAllowed(request, "POST");
  if (std::optional<Response> refusal = RefuseUnlessAdmin(request))
    return std::move(*refusal);
  const std::string_view query = QueryOf(request);
  Result<std::optional<std::string>> from = QueryParam(query, "from");
  Result<std::optional<std::string>> to = QueryParam(query, "to");
  if (!from.ok() || !to.ok() || !from->has_value() || !to->has_value()) {
    return TextResponse(request, bhttp::status::bad_request, "give ?from=PATH&to=PATH");
  }
  Result<CatalogEntry> moved = master_.Move(**from, **to);
  if (moved.status().IsNotFound()) {
    return TextResponse(request, bhttp::status::not_found, "not found: /data/" + **from);
  }
  if (!moved.ok())
    return TextResponse(request, bhttp::status::bad_request, moved.status().message());
  return JsonResponse(request, EntryJson(*moved));
}

Response MasterHandler::ApiIgnore(const Request& request) {
  if (request.method() == bhttp::verb::get || request.method() == bhttp::verb::head)
    return JsonResponse(request, IgnoreJson(master_.ignore_rules()));
  if (request.method() != bhttp::verb::post)
    return MethodNotAllowed(request, "GET, HEAD, POST");
  if (std::optional<Response> refusal = RefuseUnlessAdmin(request))
    return std::move(*refusal);
  const std::string_view query = QueryOf(request);
  Result<std::optional<std::string>> add = QueryParam(query, "add");
  Result<std::optional<std::string>> remove = QueryParam(query, "remove");
  if (!add.ok() || !remove.ok() || add->has_value() == remove->has_value()) {
    return TextResponse(request, bhttp::status::bad_request,
                        "give one of ?add=PATTERN or ?remove=PATTERN");
  }
  Result<IgnoreRules> rules =
      add->has_value() ? master_.AddIgnore(**add) : master_.RemoveIgnore(**remove);
  if (rules.status().IsNotFound())
    return TextResponse(request, bhttp::status::not_found, rules.status().message());
  if (!rules.ok())
    return TextResponse(request, bhttp::status::bad_request, rules.status().message());
  return JsonResponse(request, IgnoreJson(*rules));
}

Response MasterHandler::Dashboard(const Request& request) const {
  DashboardFacts facts;
  facts.converged = master_.Converged();
  facts.files = master_.catalog().live_files();
  facts.bytes = master_.catalog().live_bytes();
  facts.master_cert = master_.OwnCertificate();
  for (NodeStatus& node : master_.Nodes()) {
    std::optional<CertIdentity> cert = master_.CertificateOf(node.name);
    facts.nodes.push_back({std::move(node), std::move(cert)});
  }
  facts.events = master_.RecentEvents();
  facts.now = std::chrono::system_clock::now();
  StringResponse response = BodyResponse(
      request, bhttp::status::ok, "text/html; charset=utf-8", RenderDashboard(facts));
  response.set(bhttp::field::cache_control, "no-store");
  response.set("Content-Security-Policy", std::string(kDashboardPolicy));
  response.set("X-Content-Type-Options", "nosniff");
  return response;
}

Response MasterHandler::DashboardScript(const Request& request) const {
  StringResponse response =
      BodyResponse(request, bhttp::status::ok, "text/javascript; charset=utf-8",
                   std::string(kDashboardScript));
  response.set("X-Content-Type-Options", "nosniff");
  return response;
}

Response MasterHandler::ApiFiles(const Request& request) const {
  // Paged: a catalog of a million entries is never one answer. `prefix`
  // narrows it, `after` (a path) continues it, `limit` sizes the page; the
  // answer's `next` is the `after` of the next page, "" at the end.
  const std::string_view query = QueryOf(request);
  Result<std::optional<std::string>> prefix = QueryParam(query, "prefix");
  Result<std::optional<std::string>> after = QueryParam(query, "after");
  Result<std::optional<std::string>> limit_text = QueryParam(query, "limit");
  if (!prefix.ok() || !after.ok() || !limit_text.ok()) {
    return TextResponse(request, bhttp::status::bad_request, "bad query string");
  }
  uint64_t limit = kDefaultFilesPage;
  if (limit_text->has_value()) {
    const std::string& text = **limit_text;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (ec != std::errc() || end != text.data() + text.size() || limit == 0 ||
        limit > kMaxFilesPage) {
      return TextResponse(request, bhttp::status::bad_request,
                          "limit must be 1.." + std::to_string(kMaxFilesPage));
    }
  }
  const std::string from = prefix->value_or("");
  const Catalog::Slots& slots = master_.catalog().slots();
  auto it = after->has_value() ? slots.upper_bound(std::string_view(**after))
                               : slots.lower_bound(std::string_view(from));
  if (it != slots.end() && it->path < from)
    it = slots.lower_bound(std::string_view(from));
  std::string files;
  std::string last;
  uint64_t listed = 0;
  const Catalog& catalog = master_.catalog();
  for (; it != slots.end() && it->path.starts_with(from) && listed < limit; ++it) {
    if (!files.empty()) files += ',';
    files += EntryJson(it->path, it->version, it->size, it->hash, it->tombstone,
                       catalog.OriginOf(*it));
    last = std::string(it->path);
    ++listed;
  }
  const bool more = it != slots.end() && it->path.starts_with(from);
  return JsonResponse(request, "{\"files\":[" + files +
                                   "],\"next\":" + JsonQuote(more ? last : "") + "}");
}

Response MasterHandler::Mirrors(const Request& request) const {
  const auto mirror_json = [](const Mirror& mirror) {
    return "{\"name\":" + JsonQuote(mirror.name) +
           ",\"url\":" + JsonQuote(mirror.url.ToString() + std::string(kDataPrefix)) +
           "}";
  };
  return JsonResponse(
      request, "{\"mirrors\":" +
                   JsonArray(LiveMirrors(master_.Nodes(), https_), mirror_json) + "}");
}

Response MasterHandler::Metrics(const Request& request) const {
  uint64_t up = 0, down = 0, files_behind = 0, bytes_behind = 0;
  for (const NodeStatus& node : master_.Nodes()) {
    (node.up ? up : down) += 1;
    files_behind += node.files_behind;
    bytes_behind += node.bytes_behind;
  }
  const Catalog& catalog = master_.catalog();
  std::string text =
      GaugeMetric("dds_master_nodes_up", "Nodes marked up.", up) +
      GaugeMetric("dds_master_nodes_down", "Nodes marked down.", down) +
      GaugeMetric("dds_master_catalog_files", "Live files in the catalog.",
                  catalog.live_files()) +
      GaugeMetric("dds_master_catalog_bytes", "Bytes of live files.",
                  catalog.live_bytes()) +
      GaugeMetric("dds_master_catalog_entries", "Catalog entries, tombstones included.",
                  catalog.size()) +
      GaugeMetric("dds_master_files_behind", "Sum over nodes of files lacking or stale.",
                  files_behind) +
      GaugeMetric("dds_master_bytes_behind", "Sum over nodes of bytes behind.",
                  bytes_behind) +
      GaugeMetric("dds_master_converged", "1 if every live node holds the catalog.",
                  master_.Converged() ? 1 : 0) +
      GaugeMetric("dds_master_decisions_pending",
                  "Decisions on changes their nodes have not settled yet.",
                  master_.decisions_pending()) +
      CounterMetrics("dds_master", counters_);
  return BodyResponse(request, bhttp::status::ok, "text/plain; version=0.0.4",
                      std::move(text));
}

}  // namespace dds::http
