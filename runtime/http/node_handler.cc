// The node's HTTP routes (see node_handler.h and docs/http.md).
#include "runtime/http/node_handler.h"

#include <boost/beast/http/write.hpp>
#include <set>
#include <sstream>
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

template <typename Message>
void SetFileHeaders(Message& response, const Request& request, const ServableFile& file) {
  response.set(bhttp::field::etag, ToBeast(file.etag));
  response.set(bhttp::field::last_modified, ToBeast(file.last_modified));
  response.set(bhttp::field::accept_ranges, "bytes");
  response.keep_alive(request.keep_alive());
}

// 200 or 206 with the file (or, for HEAD, only its headers).
Response FileReply(const Request& request, std::string_view path,
                   const ServableFile& file, const RangeRequest& range) {
  const bool partial = range.kind == RangeRequest::Kind::kPartial;
  const ByteRange slice = partial ? range.range : ByteRange{0, file.size};
  const auto status = partial ? bhttp::status::partial_content : bhttp::status::ok;
  auto fill = [&](auto& response) {
    SetFileHeaders(response, request, file);
    response.set(bhttp::field::content_type, ToBeast(ContentTypeFor(path)));
    if (partial) {
      response.set(bhttp::field::content_range,
                   "bytes " + std::to_string(slice.first) + "-" +
                       std::to_string(slice.first + slice.length - 1) + "/" +
                       std::to_string(file.size));
    }
    response.content_length(slice.length);
  };
  if (request.method() == bhttp::verb::head) {
    StringResponse response{status, request.version()};
    fill(response);
    return response;
  }
  FileResponse response{status, request.version()};
  response.body() = {file.source, slice.first, slice.length};
  fill(response);
  return response;
}

// The head Beast writes for a keep-alive HTTP/1.1 200 of the whole file.
std::string WholeHead(std::string_view path, const ServableFile& file) {
  const Request get{bhttp::verb::get, "/", 11};
  const Response whole = FileReply(get, path, file, RangeRequest{});
  std::ostringstream head;
  head << std::get<FileResponse>(whole).base();
  return head.str();
}

// A keep-alive HTTP/1.1 GET of the whole file, nothing conditional: the
// answer whose head WholeHead wrote.
bool IsPlainGet(const Request& request, const RangeRequest& range) {
  return request.method() == bhttp::verb::get && request.version() == 11 &&
         request.keep_alive() && range.kind == RangeRequest::Kind::kWhole;
}

Response Refuse(const Request& request, const Refusal& refusal) {
  if (refusal.status == bhttp::status::service_unavailable) {
    return Unavailable(request, refusal.text);
  }
  StringResponse response = TextResponse(request, refusal.status, refusal.text);
  if (!refusal.location.empty()) response.set(bhttp::field::location, refusal.location);
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
                               : FileAnswer(request, target->path,
                                            Prepare(target->path, Find(target->path)));
    default:
      return MethodNotAllowed(request, "GET, HEAD, PUT");
  }
}

FileFinding NodeHandler::Find(const std::string& path) {
  const std::optional<Holding> holding = node_.Servable(path);
  const NodeIndex::Slot* slot = node_.index().Find(path);
  if (!holding && slot != nullptr && slot->held() && !node_.Ignored(path)) {
    // Held, but something happened to the file: served again once examined.
    return Refusal{bhttp::status::service_unavailable,
                   "changed on disk; being re-examined", ""};
  }
  if (!holding) {
    if (ListServable(node_, path).empty()) {
      return Refusal{bhttp::status::not_found, "not found: /data/" + path, ""};
    }
    return Refusal{bhttp::status::moved_permanently, "a directory",
                   "/data/" + PercentEncodePath(path) + "/"};
  }
  Result<OpenedFile> opened = node_.Open(path);
  if (!opened.ok()) {
    return Refusal{bhttp::status::service_unavailable, "missing on disk; being restored",
                   ""};
  }
  // Changed in place (the size, or at least the mtime), with the event not
  // yet examined: not the held version's bytes any more.
  if (!node_.index().HeldAsRecorded(path, opened->size, opened->mtime_ns)) {
    return Refusal{bhttp::status::service_unavailable,
                   "changed on disk; being re-verified", ""};
  }
  return FoundFile{holding->hash, std::move(*opened)};
}

FileLookup Prepare(std::string_view path, FileFinding finding) {
  if (auto* refusal = std::get_if<Refusal>(&finding)) return std::move(*refusal);
  FoundFile& found = std::get<FoundFile>(finding);
  const uint64_t size = found.opened.size;
  ServableFile file{std::make_shared<const FileSource>(std::move(found.opened.fd), size),
                    "\"" + found.hash.Hex() + "\"", size, HttpDate(found.opened.mtime),
                    ""};
  if (file.source->content) file.whole_head = WholeHead(path, file);
  return std::make_shared<const ServableFile>(std::move(file));
}

Response FileAnswer(const Request& request, std::string_view path,
                    const FileLookup& lookup) {
  if (const auto* refusal = std::get_if<Refusal>(&lookup))
    return Refuse(request, *refusal);
  const std::shared_ptr<const ServableFile>& shared =
      std::get<std::shared_ptr<const ServableFile>>(lookup);
  const ServableFile& file = *shared;
  if (NoneMatchHits(request, file.etag)) {
    StringResponse response{bhttp::status::not_modified, request.version()};
    SetFileHeaders(response, request, file);
    return response;
  }
  const RangeRequest range = RangeFor(request, file.etag, file.size);
  if (range.kind == RangeRequest::Kind::kUnsatisfiable) {
    StringResponse response = TextResponse(request, bhttp::status::range_not_satisfiable,
                                           "range not satisfiable");
    response.set(bhttp::field::content_range, "bytes */" + std::to_string(file.size));
    return response;
  }
  if (!file.whole_head.empty() && IsPlainGet(request, range)) {
    return WireResponse{shared, file.whole_head, *file.source->content};
  }
  return FileReply(request, path, file, range);
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
