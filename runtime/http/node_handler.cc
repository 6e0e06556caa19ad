// The node's HTTP routes (see node_handler.h and docs/http.md).
#include "runtime/http/node_handler.h"

#include <set>
#include <utility>
#include <vector>

#include "runtime/http/range.h"

namespace dds::http {
namespace {

struct Listing {
  std::set<std::string> directories;
  std::vector<std::pair<std::string, Holding>> files;  // (name, holding)
  bool empty() const { return directories.empty() && files.empty(); }
};

// The servable files directly in `dir` ("" for the root) and its
// sub-directories that contain at least one servable file.
Listing ListServable(const NodeBackend& node, const std::string& dir) {
  const std::string prefix = dir.empty() ? "" : dir + "/";
  const NodeIndex::Slots& slots = node.index().slots();
  Listing listing;
  auto it = slots.lower_bound(std::string_view(prefix));
  while (it != slots.end() && it->path().starts_with(prefix)) {
    const std::string_view path = it->path();
    std::optional<Holding> holding;
    if (it->live()) holding = node.Servable(path);
    const std::string_view rest = path.substr(prefix.size());
    const size_t slash = rest.find('/');
    if (holding && slash == std::string_view::npos) {
      listing.files.emplace_back(std::string(rest), std::move(*holding));
    } else if (holding) {
      // One servable file shows the sub-directory: skip the rest of it
      // ('0' follows '/'), so a listing costs its entries, not its subtree.
      const std::string subdir(rest.substr(0, slash));
      listing.directories.insert(subdir);
      it = slots.lower_bound(std::string_view(prefix + subdir + "0"));
      continue;
    }
    ++it;
  }
  return listing;
}

std::string ListingHtml(const std::string& title, bool root, const Listing& listing) {
  std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" +
                     HtmlEscape(title) + "</title></head>\n<body><h1>" +
                     HtmlEscape(title) + "</h1><hr><ul>\n";
  if (!root) html += "<li><a href=\"../\">../</a></li>\n";
  for (const std::string& name : listing.directories) {
    html += "<li><a href=\"" + HtmlEscape(PercentEncodePath(name)) + "/\">" +
            HtmlEscape(name) + "/</a></li>\n";
  }
  for (const auto& [name, holding] : listing.files) {
    html += "<li><a href=\"" + HtmlEscape(PercentEncodePath(name)) + "\">" +
            HtmlEscape(name) + "</a> " + std::to_string(holding.size) + " bytes</li>\n";
  }
  return html + "</ul><hr></body></html>\n";
}

std::string ListingJson(const std::string& url_path, const Listing& listing) {
  const auto file_json = [](const std::pair<std::string, Holding>& file) {
    const auto& [name, holding] = file;
    return "{\"name\":" + JsonQuote(name) + ",\"size\":" + std::to_string(holding.size) +
           ",\"hash\":" + JsonQuote(holding.hash.Hex()) +
           ",\"version\":" + std::to_string(holding.version) + "}";
  };
  return "{\"path\":" + JsonQuote(url_path) +
         ",\"directories\":" + JsonArray(listing.directories, JsonQuote) +
         ",\"files\":" + JsonArray(listing.files, file_json) + "}";
}

// True iff If-None-Match lists `etag` (weak comparison) or is "*".
bool NoneMatchHits(const Request& request, std::string_view etag) {
  const auto header = request.find(bhttp::field::if_none_match);
  if (header == request.end()) return false;
  std::string_view list(header->value().data(), header->value().size());
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == "*" || item == etag) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// The Range the response honours: none if absent, or if If-Range names
// another version.
RangeRequest RangeFor(const Request& request, std::string_view etag, uint64_t size) {
  const auto range = request.find(bhttp::field::range);
  if (range == request.end()) return {};
  const auto if_range = request.find(bhttp::field::if_range);
  if (if_range != request.end() && ToStd(if_range->value()) != etag) return {};
  return ParseRange(std::string_view(range->value().data(), range->value().size()), size);
}

// What one file response describes, for its headers.
struct FileFacts {
  std::string_view path;
  std::string_view etag;
  std::time_t mtime = 0;
  uint64_t size = 0;
};

template <typename Message>
void SetFileHeaders(Message& response, const Request& request, const FileFacts& facts) {
  response.set(bhttp::field::etag, ToBeast(facts.etag));
  response.set(bhttp::field::last_modified, HttpDate(facts.mtime));
  response.set(bhttp::field::accept_ranges, "bytes");
  response.keep_alive(request.keep_alive());
}

// 200 or 206 with the file (or, for HEAD, only its headers).
Response FileReply(const Request& request, beast::file file, const FileFacts& facts,
                   const RangeRequest& range) {
  const bool partial = range.kind == RangeRequest::Kind::kPartial;
  const ByteRange slice = partial ? range.range : ByteRange{0, facts.size};
  const auto status = partial ? bhttp::status::partial_content : bhttp::status::ok;
  auto fill = [&](auto& response) {
    SetFileHeaders(response, request, facts);
    response.set(bhttp::field::content_type, ToBeast(ContentTypeFor(facts.path)));
    if (partial) {
      response.set(bhttp::field::content_range,
                   "bytes " + std::to_string(slice.first) + "-" +
                       std::to_string(slice.first + slice.length - 1) + "/" +
                       std::to_string(facts.size));
    }
    response.content_length(slice.length);
  };
  if (request.method() == bhttp::verb::head) {
    StringResponse response{status, request.version()};
    fill(response);
    return response;
  }
  FileResponse response{status, request.version()};
  response.body() = {std::move(file), slice.first, slice.length};
  fill(response);
  return response;
}

}  // namespace

Response NodeHandler::Handle(const Request& request) {
  const std::string_view target(request.target().data(), request.target().size());
  const bool read =
      request.method() == bhttp::verb::get || request.method() == bhttp::verb::head;
  if (target == "/data" || target.starts_with("/data/") || target.starts_with("/data?")) {
    return HandleData(request);
  }
  if (target != "/healthz" && target != "/metrics") {
    return TextResponse(request, bhttp::status::not_found, "not found");
  }
  if (!read) return MethodNotAllowed(request, "GET, HEAD");
  if (target == "/metrics") return Metrics(request);
  return TextResponse(request, bhttp::status::ok, "ok");
}

Response NodeHandler::HandleData(const Request& request) {
  Result<DataTarget> target =
      ParseDataTarget(std::string_view(request.target().data(), request.target().size()));
  if (!target.ok()) {
    return TextResponse(request, bhttp::status::bad_request, target.status().message());
  }
  switch (request.method()) {
    case bhttp::verb::put:
      return Upload(request, *target);
    case bhttp::verb::get:
    case bhttp::verb::head:
      return target->directory ? ServeListing(request, *target)
                               : ServeFile(request, *target);
    default:
      return MethodNotAllowed(request, "GET, HEAD, PUT");
  }
}

Response NodeHandler::ServeFile(const Request& request, const DataTarget& target) {
  const std::optional<Holding> holding = node_.Servable(target.path);
  const NodeIndex::Slot* slot = node_.index().Find(target.path);
  if (!holding && slot != nullptr && slot->held() && !node_.Ignored(target.path)) {
    // Held, but something happened to the file: served again once examined.
    return Unavailable(request, "changed on disk; being re-examined");
  }
  if (!holding) {
    if (ListServable(node_, target.path).empty()) {
      return TextResponse(request, bhttp::status::not_found,
                          "not found: /data/" + target.path);
    }
    StringResponse response =
        TextResponse(request, bhttp::status::moved_permanently, "a directory");
    response.set(bhttp::field::location, "/data/" + PercentEncodePath(target.path) + "/");
    return response;
  }
  Result<OpenedFile> opened = node_.Open(target.path);
  if (!opened.ok()) return Unavailable(request, "missing on disk; being restored");
  beast::file file;
  file.native_handle(opened->fd.Release());  // `file` owns the descriptor from here on.
  if (opened->size != holding->size) {
    return Unavailable(request, "changed on disk; being re-verified");
  }
  const std::string etag = "\"" + holding->hash.Hex() + "\"";
  const FileFacts facts{target.path, etag, opened->mtime, holding->size};
  if (NoneMatchHits(request, etag)) {
    StringResponse response{bhttp::status::not_modified, request.version()};
    SetFileHeaders(response, request, facts);
    return response;
  }
  const RangeRequest range = RangeFor(request, etag, holding->size);
  if (range.kind == RangeRequest::Kind::kUnsatisfiable) {
    StringResponse response = TextResponse(request, bhttp::status::range_not_satisfiable,
                                           "range not satisfiable");
    response.set(bhttp::field::content_range, "bytes */" + std::to_string(holding->size));
    return response;
  }
  return FileReply(request, std::move(file), facts, range);
}

Response NodeHandler::ServeListing(const Request& request, const DataTarget& target) {
  const Listing listing = ListServable(node_, target.path);
  if (!target.path.empty() && listing.empty()) {
    return TextResponse(request, bhttp::status::not_found,
                        "not found: /data/" + target.path + "/");
  }
  const std::string url_path =
      std::string(kDataPrefix) + target.path + (target.path.empty() ? "" : "/");
  if (QueryHas(target.query, "format=json")) {
    return JsonResponse(request, ListingJson(url_path, listing));
  }
  return BodyResponse(
      request, bhttp::status::ok, "text/html; charset=utf-8",
      ListingHtml("Directory listing for " + url_path, target.path.empty(), listing));
}

Response NodeHandler::Upload(const Request& request, const DataTarget& target) {
  if (config_.admin_token.empty()) {
    return TextResponse(request, bhttp::status::forbidden,
                        "uploads are disabled on this node (no admin token configured)");
  }
  if (!BearerMatches(request, config_.admin_token)) {
    StringResponse response =
        TextResponse(request, bhttp::status::unauthorized, "admin token required");
    response.set(bhttp::field::www_authenticate, "Bearer realm=\"dds\"");
    return response;
  }
  if (target.directory) {
    return TextResponse(request, bhttp::status::bad_request,
                        "cannot upload to a directory");
  }
  if (node_.Ignored(target.path)) {
    return TextResponse(
        request, bhttp::status::bad_request,
        "the cluster's ignore patterns cover " + target.path + " (dds ignore ls)");
  }
  Result<Digest> stored = node_.Store(target.path, request.body());
  if (!stored.ok()) {
    const auto status = stored.status().IsNoSpace()
                            ? bhttp::status::insufficient_storage
                            : bhttp::status::internal_server_error;
    return TextResponse(request, status, "upload failed: " + stored.status().ToString());
  }
  StringResponse response = TextResponse(
      request, bhttp::status::created,
      "stored " + target.path + ": " + std::to_string(request.body().size()) + " bytes");
  response.set(bhttp::field::etag, "\"" + stored->Hex() + "\"");
  response.set(bhttp::field::location, "/data/" + PercentEncodePath(target.path));
  return response;
}

Response NodeHandler::Metrics(const Request& request) const {
  const NodeGauges gauges = node_.Gauges();
  const NodeIndex& catalog = node_.index();
  std::string text =
      GaugeMetric("dds_node_files_held", "Files held at their catalog version.",
                  gauges.files_held) +
      GaugeMetric("dds_node_bytes_held", "Bytes held at their catalog version.",
                  gauges.bytes_held) +
      GaugeMetric("dds_node_catalog_files", "Live files in the catalog.",
                  catalog.live_files()) +
      GaugeMetric("dds_node_catalog_bytes", "Bytes of live files in the catalog.",
                  catalog.live_bytes()) +
      GaugeMetric("dds_node_pulls_active", "Downloads in progress.",
                  gauges.active_pulls) +
      GaugeMetric("dds_node_paths_wanted", "Paths waiting to be pulled.",
                  gauges.wanted_paths) +
      GaugeMetric("dds_node_registered", "1 if registered with the master.",
                  gauges.registered ? 1 : 0) +
      GaugeMetric("dds_node_refused_names",
                  "Files in the data dir whose names dds refuses (see the log).",
                  gauges.refused_names) +
      CounterMetrics("dds_node", counters_);
  return BodyResponse(request, bhttp::status::ok, "text/plain; version=0.0.4",
                      std::move(text));
}

}  // namespace dds::http
