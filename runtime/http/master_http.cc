// The master's HTTP server: MasterHandler over a dds::Master, on the shared
// connection loop (server.h), plus the one asynchronous step the handler
// cannot take itself: forwarding an upload to a node.
#include "runtime/http/master_http.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <optional>
#include <utility>

#include "runtime/http/client.h"
#include "runtime/http/durable.h"
#include "runtime/http/master_handler.h"

namespace dds::http {
namespace {

// A forwarded upload (up to kMaxUploadBytes over loopback or a LAN) must
// finish within this long.
constexpr std::chrono::milliseconds kForwardTimeout = std::chrono::seconds(120);

// MasterBackend over the real master: the one leading when asked (the
// Service answers only while there is one).
class CoreMasterBackend final : public MasterBackend {
 public:
  CoreMasterBackend(const MasterSource& source, const Transport& transport)
      : source_(source), transport_(transport) {}

  std::vector<NodeStatus> Nodes() const override { return master().Nodes(); }
  bool Converged() const override { return master().Converged(); }
  const Catalog& catalog() const override { return master().catalog(); }
  std::vector<NodeStatus> LiveHolders(const std::string& path) const override {
    return master().LiveHolders(path);
  }
  Result<CatalogEntry> Remove(const std::string& path) override {
    return master().Remove(path);
  }
  Result<CatalogEntry> Move(const std::string& from, const std::string& to) override {
    return master().Move(from, to);
  }
  size_t decisions_pending() const override { return master().decisions_pending(); }
  std::optional<CertIdentity> OwnCertificate() const override {
    if (!transport_.tls()) return std::nullopt;
    return transport_.tls()->self();
  }
  std::optional<CertIdentity> CertificateOf(const std::string& member) const override {
    auto it = transport_.members().find(member);
    if (it == transport_.members().end()) return std::nullopt;
    return it->second;
  }
  std::vector<AgedEvent> RecentEvents() const override {
    const auto& events = master().recent_events().events();
    std::vector<AgedEvent> aged;
    aged.reserve(events.size());
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
      aged.push_back({master().now() - it->at, it->text});
    }
    return aged;
  }
  const IgnoreRules& ignore_rules() const override { return master().ignore_rules(); }
  bool Ignored(std::string_view path) const override { return master().Ignored(path); }
  Result<IgnoreRules> AddIgnore(const std::string& pattern) override {
    return master().AddIgnore(pattern);
  }
  Result<IgnoreRules> RemoveIgnore(const std::string& pattern) override {
    return master().RemoveIgnore(pattern);
  }

 private:
  dds::Master& master() const { return *source_.leading(); }

  const MasterSource& source_;
  const Transport& transport_;
};

}  // namespace

class MasterHttpServer::Service final : public HttpService {
 public:
  // `node_tls` verifies nodes that serve HTTPS; the server replaces it on
  // reload, so it is read at each forward.
  Service(MasterSource source, AsioEnv& env, const std::string& admin_token, bool https,
          const SslContextPtr& node_tls)
      : source_(std::move(source)),
        env_(env),
        backend_(source_, env.transport()),
        handler_(backend_, admin_token, counters_, https),
        admin_token_(admin_token),
        node_tls_(node_tls) {}

  // A delete, a move or a change of the ignore patterns changes the master's state:
  // it goes through the Env like any message and is answered once durable.
  // A master standing by sends users to the leader.
  net::awaitable<Response> Handle(Request request) override {
    if (request.target() == ToBeast(kCatalogCopyTarget) &&
        request.method() == bhttp::verb::get && source_.leading()) {
      co_return co_await CopyCatalog(request);
    }
    std::optional<MasterDecision> decided;
    if (request.method() == bhttp::verb::delete_ ||
        request.method() == bhttp::verb::post) {
      co_await CallDurably(env_, [&] { decided = Decide(request); });
    } else {
      decided = Decide(request);
    }
    MasterDecision decision = std::move(*decided);
    if (auto* response = std::get_if<Response>(&decision)) co_return std::move(*response);
    co_return co_await Forward(std::get<UploadForward>(decision), std::move(request));
  }
  HttpCounters& counters() override { return counters_; }

 private:
  MasterDecision Decide(const Request& request) {
    if (source_.leading()) return handler_.Handle(request);
    const std::string leader = source_.leader_url();
    if (leader.empty())
      return Unavailable(request, "this master stands by; no leader yet");
    StringResponse redirect =
        TextResponse(request, bhttp::status::temporary_redirect,
                     "this master stands by; the leader is " + leader);
    redirect.set(bhttp::field::location, leader + std::string(request.target()));
    return redirect;
  }

  // The leader's database, for a master behind the log: copied on a thread
  // of its own (it takes as long as the database is large), then sent from
  // the unlinked copy, which goes once the answer is sent.
  net::awaitable<Response> CopyCatalog(const Request& request) {
    if (std::optional<Response> refusal = handler_.RefuseUnlessAdmin(request))
      co_return std::move(*refusal);
    if (!source_.copy_catalog) {
      co_return TextResponse(request, bhttp::status::not_found,
                             "this master has no standbys: nothing to copy");
    }
    // (co_spawn wants a result it can default-construct.)
    using Copy = std::optional<Result<std::pair<UniqueFd, uint64_t>>>;
    Copy made = co_await net::co_spawn(
        copier_.get_executor(),
        [this]() -> net::awaitable<Copy> { co_return source_.copy_catalog(); },
        net::use_awaitable);
    Result<std::pair<UniqueFd, uint64_t>>& copy = *made;
    if (!copy.ok()) {
      co_return TextResponse(request, bhttp::status::internal_server_error,
                             "cannot copy the catalog: " + copy.status().message());
    }
    const uint64_t size = copy->second;
    FileResponse response{bhttp::status::ok, request.version()};
    response.set(bhttp::field::content_type, "application/vnd.sqlite3");
    response.body() = {std::make_shared<FileSource>(std::move(copy->first), size), 0,
                       size};
    response.content_length(size);
    response.keep_alive(request.keep_alive());
    co_return response;
  }

  // Sends the upload to the chosen node with the admin token and relays the
  // node's answer; 502 if the node cannot be reached.
  net::awaitable<Response> Forward(UploadForward upload, Request request) {
    Request forward{bhttp::verb::put,
                    std::string(kDataPrefix) + PercentEncodePath(upload.path), 11};
    forward.set(bhttp::field::authorization, "Bearer " + admin_token_);
    forward.body() = std::move(request.body());
    Result<StringResponse> answer =
        co_await Exchange(upload.node, std::move(forward), kForwardTimeout, node_tls_);
    if (!answer.ok()) {
      co_return TextResponse(request, bhttp::status::bad_gateway,
                             "upload to node " + upload.node.ToString() +
                                 " failed: " + answer.status().message());
    }
    StringResponse response =
        BodyResponse(request, answer->result(), "text/plain; charset=utf-8",
                     std::move(answer->body()));
    for (const auto field : {bhttp::field::etag, bhttp::field::location}) {
      if (answer->count(field) != 0) response.set(field, answer->at(field));
    }
    co_return response;
  }

  const MasterSource source_;
  AsioEnv& env_;
  HttpCounters counters_;
  CoreMasterBackend backend_;
  MasterHandler handler_;
  const std::string admin_token_;
  const SslContextPtr& node_tls_;
  net::thread_pool copier_{1};  // catalog copies, one at a time
};

MasterHttpServer::MasterHttpServer(net::io_context& io, MasterHttpOptions options)
    : options_(std::move(options)), listener_(io) {}

MasterHttpServer::~MasterHttpServer() = default;

Result<BaseUrl> MasterHttpServer::Bind() {
  if (Status s = LoadNodeTrust(); !s.ok()) return s;
  return listener_.Bind(options_.listen, options_.https);
}

Status MasterHttpServer::ReloadHttps() {
  if (Status s = LoadNodeTrust(); !s.ok()) return s;
  return listener_.ReloadHttps();
}

Status MasterHttpServer::LoadNodeTrust() {
  Result<SslContextPtr> tls = MakeHttpsClient(options_.trust);
  if (!tls.ok()) return tls.status();
  node_tls_ = std::move(*tls);
  return Status::Ok();
}

void MasterHttpServer::Serve(MasterSource source, AsioEnv& env) {
  service_ = std::make_unique<Service>(std::move(source), env, options_.admin_token,
                                       options_.https.has_value(), node_tls_);
  listener_.Serve(*service_);
}

}  // namespace dds::http
