// Master and node hosts; see hosts.h.
#include "runtime/hosts.h"

#include <fcntl.h>
#include <sys/file.h>

#include <csignal>
#include <filesystem>

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
                               PosixFileStore* files) {
  if (Status s = MakeDirs(state_dir); !s.ok()) return s;
  // Two processes over one state dir would each believe their own catalog.
  const std::string lock_path = state_dir + "/lock";
  state_lock_.Reset(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!state_lock_.valid() || ::flock(state_lock_.get(), LOCK_EX | LOCK_NB) != 0) {
    return Status::IOError("state dir " + state_dir +
                           " is in use by another dds process");
  }
  auto meta = SqliteMetaStore::Open(state_dir + "/" + db_name);
  if (!meta.ok()) return meta.status();
  meta_ = std::move(*meta);
  auto bound = transport_.Listen(listen, advertise);
  if (!bound.ok()) return bound.status();
  env_ = std::make_unique<AsioEnv>(io_, transport_, *meta_, files);
  LogBound("control", *bound);
  return Status::Ok();
}

int ProcessHost::Run() {
  signals_ = std::make_unique<boost::asio::signal_set>(io_, SIGINT, SIGTERM);
  signals_->async_wait([this](boost::system::error_code ec, int signal) {
    if (ec) return;
    Log(std::string("stopping on ") + (signal == SIGINT ? "SIGINT" : "SIGTERM"));
    Stop();
  });
  memory_.Start();
  io_.run();
  return env_->failed() ? 1 : 0;
}

void ProcessHost::Stop() {
  // A clean stop leaves nothing for the next start to recover.
  if (env_) env_->Flush();
  StopComponents();
  transport_.Close();
  if (signals_) signals_->cancel();
  memory_.Stop();
  io_.stop();
}

Result<std::unique_ptr<MasterHost>> MasterHost::Open(MasterHostConfig config) {
  std::unique_ptr<MasterHost> host(new MasterHost());
  if (config.state_dir.empty())
    return Status::InvalidArgument("master needs a state dir");
  if (Status s = host->OpenCommon(config.state_dir, "master.db", config.listen,
                                  config.advertise, nullptr);
      !s.ok()) {
    return s;
  }
  // Nodes tell a restarted master by its incarnation, so it must grow on
  // every start, durably, before the master says anything.
  auto incarnation = host->meta_->Increment("master_incarnation");
  if (!incarnation.ok()) return incarnation.status();
  config.options.incarnation = *incarnation;
  host->master_ = std::make_unique<Master>(host->env_.get(), config.options);
  return host;
}

MasterHost::~MasterHost() {
  if (env_) env_->set_process(nullptr);
}

void MasterHost::Start() {
  env_->set_process(master_.get());
  env_->Call([&] { master_->Start(); });
}

Result<std::unique_ptr<NodeHost>> NodeHost::Open(NodeHostConfig config) {
  if (config.name.empty() || config.master.empty() || config.data_dir.empty()) {
    return Status::InvalidArgument("a node needs a name, a master and a data dir");
  }
  if (config.state_dir.empty()) {
    config.state_dir = config.data_dir + "/" + std::string(kNodeStateDirName);
  }
  if (Status s = MakeDirs(config.data_dir); !s.ok()) return s;
  std::unique_ptr<NodeHost> host(new NodeHost(std::move(config)));
  const NodeHostConfig& c = host->config_;
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

Status NodeHost::Start(const std::string& http_address) {
  NodeOptions options = config_.options;
  options.max_concurrent_pulls = kRuntimeConcurrentPulls;
  options.name = config_.name;
  options.http_address = http_address;
  options.master = config_.master;
  node_ = std::make_unique<Node>(env_.get(), options);
  env_->set_process(node_.get());
  // Watch before the node's first scan, so nothing written in between is
  // missed; events are only delivered once the io_context runs.
  auto watcher = FileWatcher::Start(
      io_, config_.data_dir,
      [this](const std::vector<std::string>& paths) {
        env_->Call([&] {
          for (const std::string& path : paths) node_->OnFileEvent(path);
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
