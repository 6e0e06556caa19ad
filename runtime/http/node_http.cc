// The node's HTTP server: NodeHandler over a dds::Node, on the shared
// connection loop (server.h).
#include "runtime/http/node_http.h"

#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <optional>
#include <random>
#include <utility>

#include "runtime/http/durable.h"
#include "runtime/http/node_handler.h"
#include "runtime/http/server.h"

namespace dds::http {
namespace {

constexpr uint64_t kStageChunkBytes = 1ull << 20;

// NodeBackend over the real node and its file store.
class CoreNodeBackend final : public NodeBackend {
 public:
  CoreNodeBackend(dds::Node& node, PosixFileStore& files) : node_(node), files_(files) {}

  std::optional<Holding> Servable(std::string_view path) const override {
    return node_.Servable(path);
  }
  const NodeIndex& index() const override { return node_.index(); }
  NodeGauges Gauges() const override {
    return {node_.held_files(),   node_.held_bytes(), node_.active_pulls(),
            node_.wanted_paths(), node_.registered(), node_.refused_names()};
  }
  bool Ignored(std::string_view path) const override { return node_.Ignored(path); }

  Result<OpenedFile> Open(const std::string& path) override {
    Result<UniqueFd> fd = files_.OpenForRead(path);
    if (!fd.ok()) return fd.status();
    struct stat st {};
    if (::fstat(fd->get(), &st) != 0) return StatusFromErrno(path, errno);
    return OpenedFile{std::move(*fd), static_cast<uint64_t>(st.st_size), st.st_mtime};
  }

  // Runs within one callback into the core (the Service's CallDurably), so
  // the node never sees the stage half-written, and the publish, the
  // node's record of the file and its report are durable together before
  // the answer. The stage name is 16 hex digits, as the FileStore expects,
  // drawn at random so it does not collide with the core's own stages.
  Result<Digest> Store(const std::string& path, std::string_view content) override {
    const std::string stage = NextStageName();
    Result<Digest> digest = WriteStage(stage, content);
    if (digest.ok()) {
      Result<FileInfo> published = files_.Publish(stage, path);
      if (published.ok()) {
        node_.OnFileComplete(path);
        return digest;
      }
      digest = published.status();
    }
    files_.DiscardStage(stage);
    return digest;
  }

 private:
  std::string NextStageName() {
    std::array<char, 17> name{};
    std::snprintf(name.data(), name.size(), "%016llx",
                  static_cast<unsigned long long>(stage_names_()));
    return name.data();
  }

  Result<Digest> WriteStage(const std::string& stage, std::string_view content) {
    files_.DiscardStage(stage);  // BeginStage would resume a leftover.
    Status status = files_.BeginStage(stage).status();
    for (uint64_t offset = 0; status.ok() && offset < content.size();
         offset += kStageChunkBytes) {
      status = files_.WriteStage(stage, offset, content.substr(offset, kStageChunkBytes))
                   .status();
    }
    if (!status.ok()) return status;
    return files_.HashStage(stage);
  }

  dds::Node& node_;
  PosixFileStore& files_;
  std::mt19937_64 stage_names_{std::random_device{}()};
};

}  // namespace

class NodeHttpServer::Service final : public HttpService {
 public:
  Service(dds::Node& node, PosixFileStore& files, AsioEnv& env, NodeHttpConfig config)
      : env_(env),
        backend_(node, files),
        handler_(backend_, std::move(config), counters_) {}

  // An upload changes the node's state: it goes through the Env like any
  // message and is answered once durable. Reads are answered at once.
  net::awaitable<Response> Handle(Request request) override {
    if (request.method() != bhttp::verb::put) co_return handler_.Handle(request);
    std::optional<Response> response;
    co_await CallDurably(env_, [&] { response = handler_.Handle(request); });
    co_return std::move(*response);
  }
  HttpCounters& counters() override { return counters_; }

 private:
  AsioEnv& env_;
  HttpCounters counters_;
  CoreNodeBackend backend_;
  NodeHandler handler_;
};

NodeHttpServer::NodeHttpServer(net::io_context& io, NodeHttpOptions options)
    : options_(std::move(options)), listener_(io) {}

NodeHttpServer::~NodeHttpServer() = default;

Result<BaseUrl> NodeHttpServer::Bind() {
  return listener_.Bind(options_.listen, options_.https);
}

Status NodeHttpServer::ReloadHttps() { return listener_.ReloadHttps(); }

void NodeHttpServer::Serve(dds::Node& node, PosixFileStore& files, AsioEnv& env) {
  service_ =
      std::make_unique<Service>(node, files, env, NodeHttpConfig{options_.admin_token});
  listener_.Serve(*service_);
}

}  // namespace dds::http
