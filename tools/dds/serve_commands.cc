// `dds master` and `dds node`; see serve_commands.h.
#include "tools/dds/serve_commands.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "runtime/address.h"
#include "runtime/hosts.h"
#include "runtime/log.h"
#include "runtime/tls/certs.h"

#ifdef DDS_HAVE_HTTP
#include "runtime/http/client.h"
#include "runtime/http/master_http.h"
#include "runtime/http/node_http.h"
#endif
#ifdef DDS_HAVE_ETCD
#include "runtime/etcd/etcd_coordination.h"
#endif

namespace dds::tool {
namespace {

constexpr std::string_view kDefaultMasterStateDir = "dds-master";
constexpr std::string_view kTokenHelp =
    "admin token enabling uploads and deletes over HTTP (env DDS_ADMIN_TOKEN)";

struct TlsFlags {
  std::string ca;
  std::string cert;
  std::string key;
  bool insecure = false;
};

// The users' side: HTTPS for the HTTP front end.
struct HttpsFlags {
  std::string cert;
  std::string key;
};

// Standby masters (docs/ha.md).
struct EtcdFlags {
  std::vector<std::string> endpoints;
  std::string prefix = "/dds/default/";
  std::string name;
  unsigned lease_seconds = 3;
};

struct MasterFlags {
  std::string listen = std::string(kDefaultMasterListen);
  std::string advertise;
  std::string http;
  std::string state_dir = std::string(kDefaultMasterStateDir);
  std::string admin_token;
  TlsFlags tls;
  HttpsFlags https;
  EtcdFlags etcd;
};

struct NodeFlags {
  std::vector<std::string> masters;
  std::string data_dir;
  std::string name;
  std::string listen = "127.0.0.1:0";
  std::string advertise;
  std::string http = "127.0.0.1:0";
  size_t http_threads = std::max(1u, std::thread::hardware_concurrency());
  std::string state_dir;
  std::string admin_token;
  uint64_t scrub_rate = NodeOptions{}.scrub_bytes_per_second;
  bool source = false;
  TlsFlags tls;
  HttpsFlags https;
};

std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "node";
  return name;
}

// Address flags are checked while the command line is parsed, before any
// directory is created, so a typo costs a one-line error (exit 2) and leaves
// nothing on disk.
std::string CheckDialAddress(const std::string& address) {
  Result<HostPort> parsed = ParseHostPort(address);
  return parsed.ok() ? std::string() : parsed.status().message();
}

// A listen address must also name a local host the resolver knows.
std::string CheckListenAddress(const std::string& address) {
  Result<HostPort> parsed = ParseHostPort(address);
  if (!parsed.ok()) return parsed.status().message();
  auto endpoint = ResolveForListen(*parsed);
  return endpoint.ok() ? std::string() : endpoint.status().message();
}

void AddControlFlags(CLI::App* cmd, std::string* listen, std::string* advertise) {
  cmd->add_option("--listen", *listen, "control port for dds peers, HOST:PORT (:0 = any)")
      ->check(CLI::Validator(CheckListenAddress, "HOST:PORT"))
      ->capture_default_str();
  cmd->add_option("--advertise", *advertise,
                  "HOST:PORT peers should dial, if not the bound address (e.g. behind "
                  "0.0.0.0)")
      ->check(CLI::Validator(CheckDialAddress, "HOST:PORT"));
}

void AddTlsFlags(CLI::App* cmd, TlsFlags* tls) {
  CLI::Option* ca =
      cmd->add_option("--tls-ca", tls->ca,
                      "CA bundle (PEM) this process trusts: the cluster CA, or "
                      "several during a CA change (docs/security.md)");
  CLI::Option* cert = cmd->add_option(
      "--tls-cert", tls->cert, "this process's certificate (PEM), from `dds ca issue`");
  CLI::Option* key = cmd->add_option("--tls-key", tls->key, "its private key (PEM)");
  for (CLI::Option* o : {ca, cert, key}) o->check(CLI::ExistingFile);
  cmd->add_flag("--insecure", tls->insecure,
                "plaintext, unauthenticated control connections (every process of the "
                "cluster must say so)")
      ->excludes(ca)
      ->excludes(cert)
      ->excludes(key);
}

// The TLS files, or none for --insecure. Both or neither: bad usage.
std::optional<TlsFiles> TlsOf(const TlsFlags& tls) {
  if (tls.insecure) return std::nullopt;
  if (tls.ca.empty() || tls.cert.empty() || tls.key.empty()) {
    Fail("cannot start", Status::InvalidArgument(
                             "give --tls-ca, --tls-cert and --tls-key (see "
                             "docs/security.md), or --insecure for a plaintext cluster"));
  }
  return TlsFiles{tls.ca, tls.cert, tls.key};
}

#ifdef DDS_HAVE_HTTP
void AddHttpFlags(CLI::App* cmd, std::string* http, std::string* admin_token,
                  HttpsFlags* https) {
  cmd->add_option("--http", *http, "HTTP address, HOST:PORT (:0 = any)")
      ->check(CLI::Validator(CheckListenAddress, "HOST:PORT"))
      ->capture_default_str();
  cmd->add_option("--admin-token", *admin_token, std::string(kTokenHelp))
      ->envname("DDS_ADMIN_TOKEN");
  CLI::Option* cert = cmd->add_option(
      "--https-cert", https->cert,
      "serve HTTPS with this certificate (PEM, chain included; re-read on SIGHUP)");
  CLI::Option* key =
      cmd->add_option("--https-key", https->key, "the HTTPS certificate's key (PEM)");
  for (CLI::Option* o : {cert, key}) o->check(CLI::ExistingFile);
  cert->needs(key);
  key->needs(cert);
}

// The HTTPS files, checked (loaded once) before anything is created on disk.
std::optional<http::HttpsFiles> HttpsOf(const HttpsFlags& https) {
  if (https.cert.empty()) return std::nullopt;
  http::HttpsFiles files{https.cert, https.key};
  if (auto loaded = http::LoadHttpsServer(files); !loaded.ok())
    Fail("cannot start HTTP", loaded.status());
  return files;
}
#endif

#ifdef DDS_HAVE_ETCD
// The etcd endpoints as URLs, checked before anything is created on disk.
MasterHostConfig::CoordinationFactory EtcdOf(const EtcdFlags& flags) {
  EtcdOptions options;
  for (const std::string& endpoint : flags.endpoints) {
    Result<http::BaseUrl> url = http::ParseBaseUrl(endpoint);
    if (!url.ok()) Fail("bad --etcd", url.status());
    options.endpoints.push_back(std::move(*url));
  }
  options.prefix = flags.prefix;
  options.lease_ttl = std::chrono::seconds(flags.lease_seconds);
  return [options](boost::asio::io_context& io, DiskWorkers::Deliver deliver) {
    return std::make_unique<EtcdCoordination>(io, options, std::move(deliver));
  };
}
#endif

#ifdef DDS_HAVE_ETCD
void AddEtcdFlags(CLI::App* cmd, EtcdFlags* etcd) {
  CLI::Option* endpoints =
      cmd->add_option(
             "--etcd", etcd->endpoints,
             "etcd endpoints, http://HOST:PORT (repeat, or separate with commas): "
             "one of several masters, standing by until elected (docs/ha.md)")
          ->delimiter(',');
  cmd->add_option("--etcd-prefix", etcd->prefix,
                  "the cluster's keys in etcd, shared by its masters")
      ->capture_default_str()
      ->needs(endpoints);
  cmd->add_option("--name", etcd->name,
                  "this master's name among the masters, unique (default: the host name)")
      ->check(CLI::Validator(
          [](const std::string& name) { return CheckMemberName(name); }, "NAME"))
      ->needs(endpoints);
  cmd->add_option("--lease-ttl", etcd->lease_seconds,
                  "seconds a leader that stops renewing its etcd lease keeps leading; a "
                  "standby takes over after about this long")
      ->check(CLI::Range(1u, 60u))
      ->capture_default_str()
      ->needs(endpoints);
}
#endif

#ifdef DDS_HAVE_HTTP
// A master behind the log downloads the leader's catalog (docs/ha.md),
// with the admin token the masters share; the database of a catalog of
// tens of millions of files fits in this bound, and comes within the time.
constexpr uint64_t kMaxCatalogCopyBytes = 64ull << 30;
constexpr std::chrono::minutes kCatalogCopyTimeout{30};

Status DownloadCatalog(const std::string& leader_url, const std::string& into,
                       const std::string& token,
                       const std::vector<std::filesystem::path>& trust) {
  Result<http::BaseUrl> url = http::ParseBaseUrl(leader_url);
  if (!url.ok()) return url.status();
  Result<http::SslContextPtr> tls = http::MakeHttpsClient(trust);
  if (!tls.ok()) return tls.status();
  http::Request request{http::bhttp::verb::get, std::string(http::kCatalogCopyTarget),
                        11};
  request.set(http::bhttp::field::authorization, "Bearer " + token);
  Result<unsigned> code = http::DownloadBlocking(
      *url, std::move(request), kCatalogCopyTimeout, *tls, into, kMaxCatalogCopyBytes);
  if (!code.ok()) return code.status();
  if (*code != 200) {
    return Status::IOError("the leader answered " + std::to_string(*code) +
                           " (masters must share --admin-token)");
  }
  return Status::Ok();
}
#endif

void RunMaster(const MasterFlags& flags) {
  SetLogLabel("dds master");
  MasterHostConfig config;
  config.listen = flags.listen;
  config.advertise = flags.advertise;
  config.state_dir = std::filesystem::absolute(flags.state_dir).string();
  config.tls = TlsOf(flags.tls);
#ifdef DDS_HAVE_ETCD
  if (!flags.etcd.endpoints.empty()) {
    config.coordination = EtcdOf(flags.etcd);
    config.name = flags.etcd.name.empty() ? HostName() : flags.etcd.name;
    SetLogLabel("dds master " + config.name);
  }
#endif
#ifdef DDS_HAVE_HTTP
  const std::optional<http::HttpsFiles> https = HttpsOf(flags.https);
  std::vector<std::filesystem::path> trust;
  if (config.tls) trust.push_back(config.tls->ca);
  if (config.coordination) {
    config.download_catalog = [token = flags.admin_token, trust](
                                  const std::string& url, const std::string& into) {
      return DownloadCatalog(url, into, token, trust);
    };
  }
#endif
  auto host = MasterHost::Open(config);
  if (!host.ok()) Fail("cannot start", host.status());
  Log("state in " + config.state_dir);
  std::string http_url;
#ifdef DDS_HAVE_HTTP
  http::MasterHttpServer server((*host)->io(), {.listen = flags.http,
                                                .admin_token = flags.admin_token,
                                                .https = https,
                                                .trust = trust});
  auto bound = server.Bind();
  if (!bound.ok()) Fail("cannot start HTTP", bound.status());
  http_url = bound->ToString();
  LogBound("http", http_url);
  (*host)->AlsoOnHangUp("HTTPS credentials", [&server] { return server.ReloadHttps(); });
#endif
  (*host)->Start(http_url);
#ifdef DDS_HAVE_HTTP
  MasterHost* const h = host->get();
  http::MasterSource source{.leading = [h] { return h->master(); },
                            .leader_url =
                                [h] {
                                  auto leader = h->leader();
                                  return leader ? leader->leader.http_url : std::string();
                                }};
  if (config.coordination) source.copy_catalog = [h] { return h->CopyCatalog(); };
  server.Serve(std::move(source), h->env());
#endif
  if (const int code = (*host)->Run(); code != 0) throw CLI::RuntimeError(code);
}

void RunNode(NodeFlags flags) {
  NodeHostConfig config;
  config.tls = TlsOf(flags.tls);
  // With TLS, the certificate names the node.
  if (flags.name.empty() && !config.tls) flags.name = HostName();
  SetLogLabel(flags.name.empty() ? "dds node" : "dds node " + flags.name);
  config.name = flags.name;
  config.masters = flags.masters;
  config.data_dir = std::filesystem::absolute(flags.data_dir).lexically_normal().string();
  if (!flags.state_dir.empty())
    config.state_dir = std::filesystem::absolute(flags.state_dir);
  config.listen = flags.listen;
  config.advertise = flags.advertise;
  config.options.scrub_bytes_per_second = flags.scrub_rate;
  config.options.source = flags.source;
#ifdef DDS_HAVE_HTTP
  const std::optional<http::HttpsFiles> https = HttpsOf(flags.https);
#endif
  auto host = NodeHost::Open(config);
  if (!host.ok()) Fail("cannot start", host.status());
  SetLogLabel("dds node " + (*host)->name());
  std::string masters;
  for (const std::string& m : config.masters)
    masters += (masters.empty() ? "" : ", ") + m;
  Log("data dir " + config.data_dir + ", master " + masters);
  std::string http_url;
#ifdef DDS_HAVE_HTTP
  http::NodeHttpServer server((*host)->io(), {.listen = flags.http,
                                              .admin_token = flags.admin_token,
                                              .https = https,
                                              .threads = flags.http_threads});
  auto bound = server.Bind();
  if (!bound.ok()) Fail("cannot start HTTP", bound.status());
  http_url = bound->ToString();
  LogBound("http", http_url);
  (*host)->AlsoOnHangUp("HTTPS credentials", [&server] { return server.ReloadHttps(); });
#endif
  if (Status s = (*host)->Start(http_url); !s.ok()) Fail("cannot start", s);
#ifdef DDS_HAVE_HTTP
  server.Serve((*host)->node(), (*host)->files(), (*host)->env());
#endif
  if (const int code = (*host)->Run(); code != 0) throw CLI::RuntimeError(code);
}

}  // namespace

void Fail(std::string_view what, const Status& status) {
  std::cerr << LogLabel() << ": " << what << ": " << status.message() << "\n";
  throw CLI::RuntimeError(status.code() == Status::Code::kInvalidArgument ? 2 : 1);
}

void AddMasterCommand(CLI::App& app) {
  auto flags = std::make_shared<MasterFlags>();
  CLI::App* cmd = app.add_subcommand(
      "master", "Run the master: membership, the catalog, and redirects to mirrors");
  AddControlFlags(cmd, &flags->listen, &flags->advertise);
  cmd->add_option("--state-dir", flags->state_dir, "where the catalog is kept")
      ->capture_default_str();
  AddTlsFlags(cmd, &flags->tls);
#ifdef DDS_HAVE_HTTP
  flags->http = std::string(http::kDefaultMasterHttp);
  AddHttpFlags(cmd, &flags->http, &flags->admin_token, &flags->https);
#endif
#ifdef DDS_HAVE_ETCD
  AddEtcdFlags(cmd, &flags->etcd);
#endif
  cmd->callback([flags] { RunMaster(*flags); });
}

void AddNodeCommand(CLI::App& app) {
  auto flags = std::make_shared<NodeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "node", "Run a node: keep a full copy of every file in DIR and serve it");
  cmd->add_option("--master", flags->masters,
                  "the master's control address, HOST:PORT; with standby masters, each "
                  "one's (repeat the flag, or separate with commas)")
      ->required()
      ->delimiter(',')
      ->check(CLI::Validator(CheckDialAddress, "HOST:PORT"));
  cmd->add_option("--data-dir", flags->data_dir,
                  "the replicated directory (created if missing)")
      ->required();
  cmd->add_option("--name", flags->name,
                  "node name, unique in the cluster (default: the certificate's name, "
                  "or the host name with --insecure)")
      ->check(CLI::Validator(
          [](const std::string& name) { return CheckMemberName(name); }, "NAME"));
  AddControlFlags(cmd, &flags->listen, &flags->advertise);
  cmd->add_option("--state-dir", flags->state_dir,
                  "where the local index is kept (default: DIR/.dds-state)");
  cmd->add_option("--scrub-rate", flags->scrub_rate,
                  "how fast the scrub re-reads stored files to find silent corruption, "
                  "bytes per second (8M = 8 MiB/s; 0 turns it off)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  cmd->add_flag("--source", flags->source,
                "an authoritative source: a file deleted from DIR is deleted everywhere, "
                "a rename is a move (default: a mirror, where a vanished file is "
                "damage and comes back)");
  AddTlsFlags(cmd, &flags->tls);
#ifdef DDS_HAVE_HTTP
  AddHttpFlags(cmd, &flags->http, &flags->admin_token, &flags->https);
  cmd->add_option("--http-threads", flags->http_threads,
                  "threads serving HTTP, each with its own connections (default: one a "
                  "core); 1 serves on the replication thread")
      ->check(CLI::Range(size_t{1}, size_t{256}))
      ->capture_default_str();
#endif
  cmd->callback([flags] { RunNode(*flags); });
}

}  // namespace dds::tool
