// The node's HTTP protocol logic, as a pure request -> response function.
//
// Routes:
//   GET/HEAD /data/<path>   a file the node may serve (Node::Servable): a
//                           complete, verified, recorded version, never a
//                           partial download or an unacknowledged change
//   GET/HEAD /data/<dir>/   directory listing, HTML or ?format=json
//   PUT /data/<path>        admin upload (bearer token): staged, published
//                           into the data dir, then reported to the node;
//                           400 for a path the ignore patterns cover
//   GET /healthz, /metrics
// docs/http.md describes every status code and header.
//
// NodeHandler reads files only through its backend (the node's FileStore,
// which knows the publishes not yet renamed into place) and never touches a
// socket; the session loop (server.h) owns all network I/O. Serving a file
// is three steps: Find asks the node (on its thread) and opens the file, no
// more; Prepare reads a small file and renders its headers, once, on any
// thread; FileAnswer answers each request from that, on any thread.
#pragma once

#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/entry.h"
#include "core/node_index.h"
#include "core/status.h"
#include "runtime/http/http_common.h"
#include "runtime/http/target.h"
#include "runtime/unique_fd.h"

namespace dds::http {

// A file opened for serving, and what its descriptor showed when opened.
struct OpenedFile {
  UniqueFd fd;
  uint64_t size = 0;
  std::time_t mtime = 0;
  int64_t mtime_ns = 0;  // as FileInfo::mtime, to compare with the node's record
};

// A file the node may serve, open: what its responses need. Immutable, so
// any thread may answer from it.
struct ServableFile {
  std::shared_ptr<const FileSource> source;
  std::string etag;  // "\"<content digest hex>\""
  uint64_t size = 0;
  std::string last_modified;  // the file's mtime, as an HTTP date
  // The head of a keep-alive HTTP/1.1 200 for the whole file, if its
  // content is in memory (source->content); else empty.
  std::string whole_head;
};

// Why a path is not served: the answer to give instead.
struct Refusal {
  bhttp::status status = bhttp::status::not_found;
  std::string text;
  std::string location;  // for a redirect
};

// What the node found for a path: the version it holds and the file,
// opened (its size the version's), or why it is not served.
struct FoundFile {
  Digest hash;
  OpenedFile opened;
};
using FileFinding = std::variant<Refusal, FoundFile>;

// What the node says about serving one path at one moment, ready to answer
// from.
using FileLookup = std::variant<Refusal, std::shared_ptr<const ServableFile>>;

// Makes a finding ready to answer from: reads the file if small, renders
// its headers. Any thread.
FileLookup Prepare(std::string_view path, FileFinding finding);

// The answer to a GET or HEAD of a file (200, 206, 304, 416; or the
// refusal), from its lookup. Pure: any thread.
Response FileAnswer(const Request& request, std::string_view path,
                    const FileLookup& lookup);

struct NodeGauges {
  uint64_t files_held = 0;  // at the version the node's catalog names
  uint64_t bytes_held = 0;
  size_t active_pulls = 0;
  size_t wanted_paths = 0;
  bool registered = false;
  uint64_t refused_names = 0;  // files whose names dds refuses (never replicated)
};

// What the node's HTTP front end needs from the node. Implemented over
// dds::Node by node_http.cc and by fakes in tests.
class NodeBackend {
 public:
  virtual ~NodeBackend() = default;
  virtual std::optional<Holding> Servable(std::string_view path) const = 0;
  virtual const NodeIndex& index() const = 0;
  virtual NodeGauges Gauges() const = 0;
  // The cluster's ignore patterns cover `path` (Node::Ignored).
  virtual bool Ignored(std::string_view path) const = 0;
  // The bytes on disk at `path`, as the node's FileStore sees them (a
  // publish not yet renamed into place included). REQUIRES: a valid path.
  virtual Result<OpenedFile> Open(const std::string& path) = 0;
  // Stages `content`, publishes it as `path` and tells the node, which then
  // hashes and reports it like any file that appears on its disk. Returns the
  // content digest.
  virtual Result<Digest> Store(const std::string& path, std::string_view content) = 0;
};

struct NodeHttpConfig {
  // Bearer token for uploads; empty disables them (403).
  std::string admin_token;
};

class NodeHandler {
 public:
  NodeHandler(NodeBackend& node, NodeHttpConfig config, const HttpCounters& counters)
      : node_(node), config_(std::move(config)), counters_(counters) {}

  Response Handle(const Request& request);
  // Whether `path` (a valid file path) is served now, and if so its file,
  // open. Asks the node: on its thread.
  FileFinding Find(const std::string& path);

 private:
  Response HandleData(const Request& request);
  Response ServeListing(const Request& request, const DataTarget& target);
  Response Upload(const Request& request, const DataTarget& target);
  Response Metrics(const Request& request) const;

  NodeBackend& node_;
  const NodeHttpConfig config_;
  const HttpCounters& counters_;
};

}  // namespace dds::http
