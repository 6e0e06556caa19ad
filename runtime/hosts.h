// Process hosts: a Master or a Node wired to the real environment.
//
// A host owns one io_context and everything that runs on it: the transport,
// the SQLite metadata, the Env, and for a node the data dir store and its
// inotify watcher. HTTP servers (runtime/http/) attach to the same io_context
// through io() and the accessors below (a node's may serve on threads of
// its own too, and asks the core on this one: runtime/http/node_http.h). Startup is
// two-phase so the HTTP port can be bound before the core object exists (a node registers
// its HTTP address): Open() binds and opens stores, Start() creates and starts the core.
// Run() serves until SIGINT/SIGTERM or Stop(); SIGHUP re-reads the TLS credentials, and
// the HTTPS ones (rotation without a restart).
//
// Threading: all methods are called on the thread that runs io().
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/master.h"
#include "core/master_seat.h"
#include "core/node.h"
#include "runtime/asio_env.h"
#include "runtime/batch_log.h"
#include "runtime/disk_workers.h"
#include "runtime/file_watcher.h"
#include "runtime/memory.h"
#include "runtime/posix_file_store.h"
#include "runtime/sqlite_meta_store.h"
#include "runtime/tls/credentials.h"
#include "runtime/transport.h"
#include "runtime/unique_fd.h"

namespace dds {

inline constexpr std::string_view kDefaultMasterListen = "127.0.0.1:5558";
// Node state lives inside its data dir by default; ".dds" names are never
// listed or replicated.
inline constexpr std::string_view kNodeStateDirName = ".dds-state";
// The master's database, in its state dir.
inline constexpr char kMasterDbName[] = "master.db";
// Real round trips cost milliseconds, not the simulator's virtual ones, and
// small files are latency-bound: more pulls in flight keep the disk busy.
// Measured on 10,000 small files over 3 nodes: 8 -> 11.3 s, 64 -> 8.4 s.
inline constexpr size_t kRuntimeConcurrentPulls = 64;

// What a master and a node host have in common.
class ProcessHost {
 public:
  virtual ~ProcessHost();
  ProcessHost(const ProcessHost&) = delete;
  ProcessHost& operator=(const ProcessHost&) = delete;

  boost::asio::io_context& io() { return io_; }
  AsioEnv& env() { return *env_; }
  const Transport& transport() const { return transport_; }
  // The control address peers know this process by (what its hellos say).
  const std::string& control_address() const { return transport_.self(); }
  // Re-reads the TLS credentials from their files; on failure the current
  // ones stay. What SIGHUP does.
  Status ReloadTls();
  // SIGHUP also calls `reload` (the HTTPS certificate, for instance), and
  // logs a failure with `what`.
  void AlsoOnHangUp(std::string what, std::function<Status()> reload);

  // Serves until SIGINT, SIGTERM or Stop(). 0 on a clean stop, 1 if the
  // process had to stop on a fatal error (metadata could not be committed,
  // or a master was deposed).
  int Run();
  // Flushes the Env's last batch, then closes everything.
  void Stop();

 protected:
  ProcessHost() = default;
  // Loads the TLS credentials (none: plaintext), checking that their
  // certificate is for `role` (and `name`, if not empty).
  Status UseTls(const std::optional<TlsFiles>& tls, Role role, const std::string& name);
  // Locks `state_dir` (one process per state dir), opens `db_name` in it and
  // binds the control port. Logs the bound address.
  // `log`: where a leading master's batches go first (docs/ha.md), if any.
  Status OpenCommon(const std::string& state_dir, const std::string& db_name,
                    const std::string& listen, const std::string& advertise,
                    PosixFileStore* files, BatchLog* log = nullptr);
  virtual void StopComponents() {}
  // Stops, and Run() returns 1.
  void StopOnError() {
    stopped_on_error_ = true;
    Stop();
  }
  void WaitForHangUp();
  static void WarnIfExpiring(const CertIdentity& cert);

  boost::asio::io_context io_;
  Transport transport_{io_};
  UniqueFd state_lock_;
  std::unique_ptr<SqliteMetaStore> meta_;
  std::unique_ptr<AsioEnv> env_;
  std::unique_ptr<boost::asio::signal_set> signals_;
  std::unique_ptr<boost::asio::signal_set> hang_up_;
  std::optional<TlsFiles> tls_files_;  // none: plaintext (--insecure)
  std::vector<std::pair<std::string, std::function<Status()>>> hang_up_reloads_;
  MemoryReleaser memory_{io_};
  bool stopped_on_error_ = false;
};

struct MasterHostConfig {
  std::string listen = std::string(kDefaultMasterListen);
  std::string advertise;        // empty: the bound address
  std::string state_dir;        // REQUIRED
  std::optional<TlsFiles> tls;  // none: plaintext; else a master certificate
  MasterOptions options;        // incarnation and term are set by the host
  // With a coordination service (etcd's): one of several masters, a standby
  // until elected (docs/ha.md); without: the only master. Made by Open;
  // `deliver` runs an answer as a callback into the process.
  using CoordinationFactory = std::function<std::unique_ptr<CoordinationLog>(
      boost::asio::io_context& io, DiskWorkers::Deliver deliver)>;
  CoordinationFactory coordination;
  std::string name;  // its name in the election; REQUIRED with a coordination
  // With a coordination: downloads the catalog of the leader serving HTTP
  // at `leader_url` into the file `into` (docs/ha.md, "A master behind the
  // log"). Runs on a thread of its own. Empty: a master behind stays so.
  std::function<Status(const std::string& leader_url, const std::string& into)>
      download_catalog;
};

class MasterHost final : public ProcessHost {
 public:
  static Result<std::unique_ptr<MasterHost>> Open(MasterHostConfig config);
  ~MasterHost() override;
  // Creates the Master over the recorded state and starts it; with etcd,
  // the seat, which stands by and campaigns (announcing `http_url`, where
  // users reach this master; may be empty).
  void Start(const std::string& http_url);
  // The Master, while this process leads (always, without etcd); else null.
  Master* master() { return seat_ ? seat_->master() : master_.get(); }
  // With etcd, the leader as last read (none while unknown, or without etcd).
  std::optional<Coordination::Leadership> leader() const {
    return seat_ ? seat_->leader() : std::nullopt;
  }
  // With etcd: a consistent copy of this master's database, for a master
  // behind the log (GET /replica/catalog). Blocks: not on io()'s thread.
  Result<std::pair<UniqueFd, uint64_t>> CopyCatalog() const;

 private:
  explicit MasterHost(MasterHostConfig config) : config_(std::move(config)) {}
  // Behind the log: downloads the leader's catalog on a thread, keeps it
  // for the next start, and stops (Run returns 1, and the supervisor
  // restarts it over the copy); on failure, stops too, to try again.
  void FetchCatalog();

  MasterHostConfig config_;
  std::unique_ptr<CoordinationLog> coordination_;  // with etcd
  std::unique_ptr<MasterSeat> seat_;               // with etcd
  std::unique_ptr<Master> master_;                 // without
  std::thread copier_;                             // a download, while behind
};

struct NodeHostConfig {
  std::string name;  // empty: the certificate's (TLS only)
  // REQUIRED: the master's control address; or the leader's and its
  // standbys' (docs/ha.md), in any order.
  std::vector<std::string> masters;
  std::string data_dir;   // REQUIRED; created if missing
  std::string state_dir;  // empty: <data_dir>/.dds-state
  std::string listen = "127.0.0.1:0";
  std::string advertise;        // empty: the bound address
  std::optional<TlsFiles> tls;  // none: plaintext; else a node certificate named `name`
  NodeOptions options;  // name, addresses, master and pull concurrency set by the host
  FileWatcher::Options watcher;
};

class NodeHost final : public ProcessHost {
 public:
  static Result<std::unique_ptr<NodeHost>> Open(NodeHostConfig config);
  ~NodeHost() override;
  // Creates the Node (announcing `http_url`, may be empty), starts it and
  // the data dir watcher.
  Status Start(const std::string& http_url);
  // REQUIRES: Start() was called.
  Node& node() { return *node_; }
  PosixFileStore& files() { return *files_; }
  const std::string& data_dir() const { return config_.data_dir; }
  // The node's name: as configured, or its certificate's.
  const std::string& name() const { return config_.name; }

 private:
  explicit NodeHost(NodeHostConfig config) : config_(std::move(config)) {}
  void StopComponents() override;

  NodeHostConfig config_;
  std::unique_ptr<PosixFileStore> files_;
  std::unique_ptr<FileWatcher> watcher_;
  std::unique_ptr<Node> node_;
};

// Creates `dir` and its missing parents.
Status MakeDirs(const std::string& dir);

}  // namespace dds
