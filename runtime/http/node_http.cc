// The node's HTTP server: NodeHandler over a dds::Node, on the shared
// connection loop (server.h): the part that runs on the core's thread
// (CoreSide) and one Worker per HTTP thread.
#include "runtime/http/node_http.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <optional>
#include <random>
#include <utility>

#include "runtime/http/core_call.h"
#include "runtime/http/durable.h"
#include "runtime/http/file_cache.h"
#include "runtime/http/node_handler.h"
#include "runtime/http/server.h"
#include "runtime/http/target.h"

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
    return OpenedFile{std::move(*fd), static_cast<uint64_t>(st.st_size), st.st_mtime,
                      MtimeNanos(st)};
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

// What runs on the core's thread: every question to the node.
class NodeHttpServer::CoreSide {
 public:
  CoreSide(NodeBackend& node, AsioEnv& env, NodeHttpConfig config)
      : env_(env), handler_(node, std::move(config), counters_) {}

  // An upload changes the node's state: it goes through the Env like any
  // message and is answered once durable. Reads are answered at once.
  net::awaitable<Response> Handle(Request request) {
    if (request.method() != bhttp::verb::put) co_return handler_.Handle(request);
    std::optional<Response> response;
    co_await CallDurably(env_, [&] { response = handler_.Handle(request); });
    co_return std::move(*response);
  }

  struct Answer {
    uint64_t epoch = 0;  // the core's epoch when it answered
    FileFinding finding;
  };
  net::awaitable<Answer> Find(std::string path) {
    co_return Answer{env_.epoch(), handler_.Find(path)};
  }

  const AsioEnv& env() const { return env_; }
  HttpCounters& counters() { return counters_; }

 private:
  AsioEnv& env_;
  HttpCounters counters_;  // every thread's responses
  NodeHandler handler_;
};

// One HTTP thread's service: a GET or HEAD of a file is answered here, from
// the cache or the core's lookup; anything else is the core's to answer.
class NodeHttpServer::Worker final : public HttpService {
 public:
  Worker(CoreSide& core, net::io_context& core_io, net::io_context& io,
         size_t cache_capacity)
      : core_(core), core_io_(core_io), cache_(cache_capacity), expiry_(io) {}

  net::awaitable<Response> Handle(Request request) override {
    if (std::optional<std::string> path = FilePath(request)) {
      co_return co_await ServeFile(std::move(request), std::move(*path));
    }
    co_return co_await OnCore<Response>(
        core_io_, [this, &request] { return core_.Handle(std::move(request)); });
  }
  HttpCounters& counters() override { return core_.counters(); }

  // Closes the cache's files once a second if the core moved on (see
  // ServedFileCache::Expire). REQUIRES: the worker's io_context outlives it.
  void ExpireEverySecond() {
    expiry_.expires_after(std::chrono::seconds(1));
    expiry_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      cache_.Expire(core_.env().epoch());
      ExpireEverySecond();
    });
  }

 private:
  // The file a GET or HEAD names; none for anything else.
  static std::optional<std::string> FilePath(const Request& request) {
    if (request.method() != bhttp::verb::get && request.method() != bhttp::verb::head)
      return std::nullopt;
    const std::string_view target(request.target().data(), request.target().size());
    if (!target.starts_with(kDataPrefix)) return std::nullopt;
    Result<DataTarget> parsed = ParseDataTarget(target);
    if (!parsed.ok() || parsed->directory) return std::nullopt;
    return std::move(parsed->path);
  }

  net::awaitable<Response> ServeFile(Request request, std::string path) {
    if (std::shared_ptr<const ServableFile> file =
            cache_.Find(path, core_.env().epoch())) {
      co_return FileAnswer(request, path, file);
    }
    // The core only finds and opens; reading and rendering happen here, so
    // that the many lookups after the epoch moves do not queue on the core.
    CoreSide::Answer answer = co_await OnCore<CoreSide::Answer>(
        core_io_, [this, &path] { return core_.Find(path); });
    const FileLookup lookup = Prepare(path, std::move(answer.finding));
    if (const auto* file = std::get_if<std::shared_ptr<const ServableFile>>(&lookup))
      cache_.Put(path, answer.epoch, *file);
    co_return FileAnswer(request, path, lookup);
  }

  CoreSide& core_;
  net::io_context& core_io_;
  ServedFileCache cache_;
  net::steady_timer expiry_;
};

namespace {

// Files each thread's cache may hold open: a quarter of the descriptors the
// process may open, shared out, so connections keep the rest; at most 4096.
size_t CacheCapacity(size_t threads) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  const uint64_t descriptors = limit.rlim_cur == RLIM_INFINITY ? 1 << 20 : limit.rlim_cur;
  return static_cast<size_t>(std::min<uint64_t>(4096, descriptors / 4 / threads));
}

}  // namespace

NodeHttpServer::NodeHttpServer(net::io_context& io, NodeHttpOptions options)
    : core_io_(io),
      options_(std::move(options)),
      threads_(options_.threads > 1 ? std::make_unique<IoThreads>(options_.threads)
                                    : nullptr),
      listener_(threads_ ? threads_->io(0) : io) {}

NodeHttpServer::~NodeHttpServer() {
  if (threads_) threads_->Stop();
}

Result<BaseUrl> NodeHttpServer::Bind() {
  return listener_.Bind(options_.listen, options_.https);
}

Status NodeHttpServer::ReloadHttps() { return listener_.ReloadHttps(); }

void NodeHttpServer::Serve(dds::Node& node, PosixFileStore& files, AsioEnv& env) {
  node_ = std::make_unique<CoreNodeBackend>(node, files);
  Serve(*node_, env);
}

void NodeHttpServer::Serve(NodeBackend& backend, AsioEnv& env) {
  core_ = std::make_unique<CoreSide>(backend, env, NodeHttpConfig{options_.admin_token});
  const size_t count = threads_ ? threads_->size() : 1;
  std::vector<HttpWorker> workers;
  for (size_t i = 0; i < count; ++i) {
    net::io_context& io = threads_ ? threads_->io(i) : core_io_;
    workers_.push_back(
        std::make_unique<Worker>(*core_, core_io_, io, CacheCapacity(count)));
    workers_.back()->ExpireEverySecond();
    workers.push_back({&io, workers_.back().get()});
  }
  listener_.Serve(std::move(workers));
  if (threads_) threads_->Start();
}

}  // namespace dds::http
