// Master and node hosts; see hosts.h.
#include "runtime/hosts.h"

#include <fcntl.h>
#include <sys/file.h>

#include <csignal>
#include <filesystem>

#include "runtime/catalog_copy.h"
#include "runtime/log.h"

namespace dds {

Status MakeDirs(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  return Status::Ok();
}

ProcessHost::~ProcessHost() = default;

Status ProcessHost::OpenCommon(const std::string& state_dir, const std::string& db_name,
                               const std::string& listen, const std::string& advertise,
                               PosixFileStore* files, BatchLog* log) {
  if (Status s = MakeDirs(state_dir); !s.ok()) return s;
  // Two processes over one state dir would each believe their own catalog.
  const std::string lock_path = state_dir + "/lock";
  state_lock_.Reset(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!state_lock_.valid() || ::flock(state_lock_.get(), LOCK_EX | LOCK_NB) != 0) {
    return Status::IOError("state dir " + state_dir +
                           " is in use by another dds process");
  }
  // A master with standbys may find a copy of the leader's catalog waiting,
  // downloaded when it was behind the log.
  if (log) {
    Result<bool> installed = InstallIncomingCatalog(state_dir, db_name);
    if (!installed.ok()) return installed.status();
    if (*installed) Log("installed the copy of the leader's catalog downloaded last run");
  }
  auto meta = SqliteMetaStore::Open(state_dir + "/" + db_name);
  if (!meta.ok()) return meta.status();
  meta_ = std::move(*meta);
  auto bound = transport_.Listen(listen, advertise);
  if (!bound.ok()) return bound.status();
  env_ = std::make_unique<AsioEnv>(io_, transport_, *meta_, files, log);
  LogBound("control", *bound);
  return Status::Ok();
}

Status ProcessHost::UseTls(const std::optional<TlsFiles>& tls, Role role,
                           const std::string& name) {
  tls_files_ = tls;
  if (!tls) {
    Log("warning: --insecure: control connections are plaintext and unauthenticated; "
        "anyone who reaches the control port can join the cluster");
    return Status::Ok();
  }
  auto loaded = TlsCredentials::Load(*tls);
  if (!loaded.ok()) return loaded.status();
  const CertIdentity& self = (*loaded)->self();
  if (self.role != role) {
    return Status::InvalidArgument("certificate " + tls->cert.string() + " is for " +
                                   std::string(RoleName(self.role)) + " " + self.name +
                                   ", not for a " + std::string(RoleName(role)));
  }
  if (!name.empty() && self.name != name) {
    return Status::InvalidArgument("certificate " + tls->cert.string() + " is for " +
                                   self.name + ", not " + name);
  }
  Log("TLS: " + std::string(RoleName(role)) + " " + self.name + " by its certificate, " +
      "which expires " + FormatExpiry(self.not_after));
  WarnIfExpiring(self);
  transport_.set_tls(std::move(*loaded));
  return Status::Ok();
}

Status ProcessHost::ReloadTls() {
  if (!tls_files_)
    return Status::InvalidArgument("plaintext (--insecure): no TLS to reload");
  auto loaded = TlsCredentials::Load(*tls_files_);
  if (!loaded.ok()) return loaded.status();
  const CertIdentity& now = transport_.tls()->self();
  const CertIdentity& next = (*loaded)->self();
  // A process cannot become someone else: peers know it by its name.
  if (next.name != now.name || next.role != now.role) {
    return Status::InvalidArgument("new certificate is for " + next.name + ", not " +
                                   now.name);
  }
  Log("TLS: credentials reloaded, certificate expires " + FormatExpiry(next.not_after));
  WarnIfExpiring(next);
  transport_.set_tls(std::move(*loaded));
  return Status::Ok();
}

void ProcessHost::WarnIfExpiring(const CertIdentity& cert) {
  if (!ExpiresSoon(cert, std::chrono::system_clock::now())) return;
  Log("warning: this process's certificate expires " + FormatExpiry(cert.not_after) +
      "; issue a new one and send SIGHUP (docs/security.md, Rotation)");
}

void ProcessHost::AlsoOnHangUp(std::string what, std::function<Status()> reload) {
  hang_up_reloads_.emplace_back(std::move(what), std::move(reload));
}

void ProcessHost::WaitForHangUp() {
  hang_up_->async_wait([this](boost::system::error_code ec, int) {
    if (ec) return;
    if (tls_files_ || hang_up_reloads_.empty()) {
      if (Status s = ReloadTls(); !s.ok())
        Log("SIGHUP: TLS credentials not reloaded (the current ones stay): " +
            s.ToString());
    }
    for (const auto& [what, reload] : hang_up_reloads_) {
      if (Status s = reload(); !s.ok())
        Log("SIGHUP: " + what + " not reloaded (the current ones stay): " + s.ToString());
      else
        Log("SIGHUP: " + what + " reloaded");
    }
    WaitForHangUp();
  });
}

int ProcessHost::Run() {
  signals_ = std::make_unique<boost::asio::signal_set>(io_, SIGINT, SIGTERM);
  signals_->async_wait([this](boost::system::error_code ec, int signal) {
    if (ec) return;
    Log(std::string("stopping on ") + (signal == SIGINT ? "SIGINT" : "SIGTERM"));
    Stop();
  });
  hang_up_ = std::make_unique<boost::asio::signal_set>(io_, SIGHUP);
  WaitForHangUp();
  memory_.Start();
  io_.run();
  return env_->failed() || stopped_on_error_ ? 1 : 0;
}

void ProcessHost::Stop() {
  // A clean stop leaves nothing for the next start to recover.
  if (env_) env_->Flush();
  StopComponents();
  transport_.Close();
  if (signals_) signals_->cancel();
  if (hang_up_) hang_up_->cancel();
  memory_.Stop();
  io_.stop();
}

Result<std::unique_ptr<MasterHost>> MasterHost::Open(MasterHostConfig config) {
  if (config.state_dir.empty())
    return Status::InvalidArgument("master needs a state dir");
  if (config.coordination && config.name.empty())
    return Status::InvalidArgument("a master with standbys needs a name");
  std::unique_ptr<MasterHost> host(new MasterHost(std::move(config)));
  const MasterHostConfig& c = host->config_;
  if (Status s = host->UseTls(c.tls, Role::kMaster, ""); !s.ok()) return s;
  if (c.coordination) {
    host->coordination_ = c.coordination(
        host->io_,
        [h = host.get()](const std::function<void()>& fn) { h->env_->Call(fn); });
  }
  if (Status s = host->OpenCommon(c.state_dir, kMasterDbName, c.listen, c.advertise,
                                  nullptr, host->coordination_.get());
      !s.ok()) {
    return s;
  }
  if (host->coordination_) return host;  // the term is the incarnation
  // Nodes tell a restarted master by its incarnation, so it must grow on
  // every start, durably, before the master says anything.
  auto incarnation = host->meta_->Increment("master_incarnation");
  if (!incarnation.ok()) return incarnation.status();
  host->config_.options.incarnation = *incarnation;
  return host;
}

MasterHost::~MasterHost() {
  // A download in flight ends by its deadline; its answer, posted to a
  // stopped loop, is dropped.
  if (copier_.joinable()) copier_.join();
  if (!env_) return;
  env_->set_process(nullptr);
  // The Env's flush may be appending to the coordination's log: the Env
  // goes first.
  env_.reset();
}

void MasterHost::Start(const std::string& http_url) {
  if (!coordination_) {
    master_ = std::make_unique<Master>(env_.get(), config_.options);
    env_->set_process(master_.get());
    env_->Call([&] { master_->Start(); });
    return;
  }
  seat_ = std::make_unique<MasterSeat>(
      env_.get(), coordination_.get(),
      Coordination::Candidate{config_.name, transport_.self(), http_url},
      config_.options);
  // Its term is over: what it has not logged must never be committed here,
  // and a restart makes it a standby that follows the new leader.
  seat_->set_on_deposed([this] { boost::asio::post(io_, [this] { StopOnError(); }); });
  seat_->set_on_behind([this] { FetchCatalog(); });
  env_->set_process(seat_.get());
  Log("master " + config_.name +
      ": standing by, campaigning through the coordination "
      "service");
  env_->Call([&] { seat_->Start(); });
}

Result<std::pair<UniqueFd, uint64_t>> MasterHost::CopyCatalog() const {
  return dds::CopyCatalog(config_.state_dir + "/" + kMasterDbName, config_.state_dir);
}

void MasterHost::FetchCatalog() {
  const std::optional<Coordination::Leadership>& leader = seat_->leader();
  if (!config_.download_catalog) {
    Log("master " + config_.name + ": behind the log, and no way to copy the catalog");
    return;
  }
  if (!leader || leader->leader.name == config_.name || leader->leader.http_url.empty()) {
    Log("master " + config_.name +
        ": behind the log, and no leader to copy the catalog from; restarting to try "
        "again");
    return StopOnError();
  }
  const std::string url = leader->leader.http_url;
  Log("master " + config_.name + ": copying the catalog from the leader, " +
      leader->leader.name + " at " + url);
  copier_ = std::thread([this, url] {
    const std::string& dir = config_.state_dir;
    Status s = config_.download_catalog(url, PartialCatalogPath(dir));
    Result<uint64_t> kept =
        s.ok() ? KeepDownloadedCatalog(dir, kMasterDbName) : Result<uint64_t>(s);
    boost::asio::post(io_, [this, kept]() mutable {
      if (kept.ok()) {
        Log("master " + config_.name + ": copied the catalog (applied through " +
            std::to_string(*kept) + "); restarting over it");
      } else if (kept.status().code() == Status::Code::kInvalidArgument) {
        // Another cluster's catalog here: restarting would only copy again.
        Log("master " + config_.name + ": " + kept.status().message() +
            "; following no more");
        return;
      } else {
        Log("master " + config_.name + ": cannot copy the catalog: " +
            kept.status().ToString() + "; restarting to try again");
      }
      StopOnError();
    });
  });
}

Result<std::unique_ptr<NodeHost>> NodeHost::Open(NodeHostConfig config) {
  if ((config.name.empty() && !config.tls) || config.masters.empty() ||
      config.data_dir.empty()) {
    return Status::InvalidArgument("a node needs a name, a master and a data dir");
  }
  if (config.state_dir.empty()) {
    config.state_dir = config.data_dir + "/" + std::string(kNodeStateDirName);
  }
  std::unique_ptr<NodeHost> host(new NodeHost(std::move(config)));
  const NodeHostConfig& c = host->config_;
  if (Status s = host->UseTls(c.tls, Role::kNode, c.name); !s.ok()) return s;
  if (c.name.empty()) host->config_.name = host->transport_.tls()->self().name;
  if (Status s = MakeDirs(c.data_dir); !s.ok()) return s;
  auto files = PosixFileStore::Open(c.data_dir);
  if (!files.ok()) return files.status();
  host->files_ = std::move(*files);
  if (Status s = host->OpenCommon(c.state_dir, "node.db", c.listen, c.advertise,
                                  host->files_.get());
      !s.ok()) {
    return s;
  }
  if (Status s = host->env_->RecoverPublishes(); !s.ok()) return s;
  return host;
}

NodeHost::~NodeHost() {
  if (env_) env_->set_process(nullptr);
}

Status NodeHost::Start(const std::string& http_url) {
  NodeOptions options = config_.options;
  options.max_concurrent_pulls = kRuntimeConcurrentPulls;
  options.name = config_.name;
  options.http_url = http_url;
  options.masters = config_.masters;
  node_ = std::make_unique<Node>(env_.get(), options);
  env_->set_process(node_.get());
  // Watch before the node's first scan, so nothing written in between is
  // missed; events are only delivered once the io_context runs.
  auto watcher = FileWatcher::Start(
      io_, config_.data_dir,
      [this](const std::vector<WatchedPath>& paths) {
        env_->Call([&] {
          for (const WatchedPath& p : paths) {
            if (p.found) {
              node_->OnFileFound(p.path);
            } else {
              node_->OnFileEvent(p.path);
            }
          }
        });
      },
      [this](bool complete, bool lost) {
        env_->Call([&] { node_->OnFileEventsMissed(complete, lost); });
      },
      config_.watcher);
  if (!watcher.ok()) return watcher.status();
  watcher_ = std::move(*watcher);
  env_->Call([&] { node_->Start(); });
  return Status::Ok();
}

void NodeHost::StopComponents() {
  if (watcher_) watcher_->Stop();
}

}  // namespace dds
