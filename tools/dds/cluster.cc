// The local cluster launcher; see cluster.h.
//
// Children inherit nothing but their arguments and DDS_ADMIN_TOKEN. They pick
// free ports (:0) and report them on stderr ("dds node node1: http URL"), so
// the launcher forwards their stderr to its own and reads the addresses from
// it: no port is guessed, so nothing races for one.
//
// Unless --insecure, the launcher is the cluster's CA: it makes one in
// DIR/tls, and a certificate for the master and each node, on first use
// (a kept --dir reuses them), so the quick start is mutual TLS too. The
// certificates also name 127.0.0.1, so with --https every process serves
// its HTTP front end over HTTPS with its own certificate.
#include "tools/dds/cluster.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

#include "runtime/log.h"
#include "runtime/tls/certs.h"
#include "tools/dds/serve_commands.h"

extern char** environ;

namespace dds::tool {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

constexpr auto kStartupTimeout = std::chrono::seconds(15);
constexpr auto kStopTimeout = std::chrono::seconds(10);
constexpr int kMaxNodes = 64;

struct ClusterFlags {
  int nodes = 3;
  std::string dir;
  bool sample_files = false;
  bool insecure = false;
  bool https = false;
};

struct Child {
  std::string name;   // "master", "node1"
  std::string label;  // its log label: "dds master", "dds node node1"
  pid_t pid = -1;
  bool exited = false;
  std::string control, http;
  std::unique_ptr<asio::posix::stream_descriptor> stderr_pipe;
  asio::streambuf lines;
};

std::string RandomToken() {
  std::random_device device;
  std::string token;
  for (int i = 0; i < 4; ++i) {
    char part[9];
    std::snprintf(part, sizeof part, "%08x", device());
    token += part;
  }
  return token;
}

class Cluster {
 public:
  explicit Cluster(ClusterFlags flags) : flags_(std::move(flags)) {}
  int Run();

 private:
  Status Prepare();
  Status MakeCertificates();
  // The TLS flags of child `name` (or --insecure), and its HTTP flags.
  std::vector<std::string> TlsArgs(const std::string& name) const;
  std::vector<std::string> HttpArgs(const std::string& name) const;
  void WriteSampleFiles(const fs::path& dir);
  Status Spawn(Child& child, const std::vector<std::string>& args);
  void ReadLines(Child& child);
  void OnLine(Child& child, const std::string& line);
  void StartNodes();
  bool Ready() const;
  void Announce();
  void Reap();
  void StopAll(int exit_code);
  void KillAll(int signal);
  size_t Live() const;

  const ClusterFlags flags_;
  fs::path dir_;
  bool remove_dir_ = false;
  std::string exe_;
  asio::io_context io_;
  asio::signal_set stop_signals_{io_, SIGINT, SIGTERM};
  asio::signal_set child_signals_{io_, SIGCHLD};
  asio::steady_timer deadline_{io_};
  std::vector<std::unique_ptr<Child>> children_;  // [0] is the master
  bool nodes_started_ = false;
  bool announced_ = false;
  bool stopping_ = false;
  int exit_code_ = 0;
};

Status Cluster::Prepare() {
  std::error_code ec;
  exe_ = fs::read_symlink("/proc/self/exe", ec).string();
  if (ec) return Status::IOError("cannot find this program: " + ec.message());
  if (flags_.dir.empty()) {
    std::string pattern = (fs::temp_directory_path() / "dds-cluster-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
      return Status::IOError("cannot create temp dir");
    dir_ = pattern;
    remove_dir_ = true;
  } else {
    dir_ = fs::absolute(flags_.dir);
  }
  fs::create_directories(dir_ / "master", ec);
  for (int i = 1; i <= flags_.nodes && !ec; ++i) {
    fs::create_directories(dir_ / ("node" + std::to_string(i)), ec);
  }
  if (ec) return Status::IOError("cannot create " + dir_.string() + ": " + ec.message());
  if (flags_.sample_files) WriteSampleFiles(dir_ / "node1");
  if (!flags_.insecure) {
    if (Status s = MakeCertificates(); !s.ok()) return s;
  }
  // Master and nodes share one admin token, so `dds put` works at once.
  if (std::getenv("DDS_ADMIN_TOKEN") == nullptr) {
    ::setenv("DDS_ADMIN_TOKEN", RandomToken().c_str(), 1);
  }
  return Status::Ok();
}

Status Cluster::MakeCertificates() {
  const fs::path tls = dir_ / "tls";
  if (!fs::exists(CaPaths::Cert(tls))) {
    if (Status s = InitCa(tls); !s.ok()) return s;
  }
  auto issue = [&](const std::string& name, Role role) {
    if (fs::exists(CaPaths::MemberCert(tls, name))) return Status::Ok();
    return IssueCert(tls, name, role, kDefaultCertDays, tls, /*overwrite=*/false,
                     {"127.0.0.1"});
  };
  if (Status s = issue("master", Role::kMaster); !s.ok()) return s;
  for (int i = 1; i <= flags_.nodes; ++i) {
    if (Status s = issue("node" + std::to_string(i), Role::kNode); !s.ok()) return s;
  }
  return Status::Ok();
}

std::vector<std::string> Cluster::TlsArgs(const std::string& name) const {
  if (flags_.insecure) return {"--insecure"};
  const fs::path tls = dir_ / "tls";
  return {"--tls-ca",   CaPaths::Cert(tls).string(),
          "--tls-cert", CaPaths::MemberCert(tls, name).string(),
          "--tls-key",  CaPaths::MemberKey(tls, name).string()};
}

std::vector<std::string> Cluster::HttpArgs(const std::string& name) const {
#ifdef DDS_HAVE_HTTP
  if (!flags_.https) return {"--http", "127.0.0.1:0"};
  const fs::path tls = dir_ / "tls";
  return {"--http",       "127.0.0.1:0",
          "--https-cert", CaPaths::MemberCert(tls, name).string(),
          "--https-key",  CaPaths::MemberKey(tls, name).string()};
#else
  (void)name;
  return {};
#endif
}

void Cluster::WriteSampleFiles(const fs::path& dir) {
  fs::create_directories(dir / "docs");
  std::ofstream(dir / "README.txt")
      << "Files placed in any node's data dir reach every node.\n";
  std::ofstream(dir / "docs" / "hello.txt") << "hello from node1\n";
  std::ofstream numbers(dir / "docs" / "numbers.csv");
  for (int i = 0; i < 1000; ++i) numbers << i << "," << i * i << "\n";
}

Status Cluster::Spawn(Child& child, const std::vector<std::string>& args) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Status::IOError("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  std::vector<char*> argv;
  argv.push_back(exe_.data());
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const int rc =
      ::posix_spawn(&child.pid, exe_.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return Status::IOError("cannot start " + child.name + ": " + std::strerror(rc));
  }
  child.stderr_pipe = std::make_unique<asio::posix::stream_descriptor>(io_, fds[0]);
  ReadLines(child);
  return Status::Ok();
}

void Cluster::ReadLines(Child& child) {
  asio::async_read_until(*child.stderr_pipe, child.lines, '\n',
                         [this, &child](boost::system::error_code ec, size_t) {
                           if (ec) return;  // the child closed stderr: it is exiting
                           std::istream in(&child.lines);
                           std::string line;
                           std::getline(in, line);
                           OnLine(child, line);
                           ReadLines(child);
                         });
}

void Cluster::OnLine(Child& child, const std::string& line) {
  std::cerr << line << "\n";
  const std::string control = child.label + ": control ";
  const std::string http = child.label + ": http ";
  if (line.starts_with(control)) child.control = line.substr(control.size());
  if (line.starts_with(http)) child.http = line.substr(http.size());
  if (!nodes_started_ && !children_[0]->control.empty()) StartNodes();
  if (!announced_ && Ready()) Announce();
}

void Cluster::StartNodes() {
  nodes_started_ = true;
  for (int i = 1; i <= flags_.nodes; ++i) {
    auto child = std::make_unique<Child>();
    child->name = "node" + std::to_string(i);
    child->label = "dds node " + child->name;
    std::vector<std::string> args = {"node",
                                     "--name",
                                     child->name,
                                     "--master",
                                     children_[0]->control,
                                     "--data-dir",
                                     (dir_ / child->name).string(),
                                     "--listen",
                                     "127.0.0.1:0"};
    for (std::string& arg : HttpArgs(child->name)) args.push_back(std::move(arg));
    for (std::string& arg : TlsArgs(child->name)) args.push_back(std::move(arg));
    Child& ref = *child;
    children_.push_back(std::move(child));
    if (Status s = Spawn(ref, args); !s.ok()) {
      Log(s.message());
      return StopAll(1);
    }
  }
}

bool Cluster::Ready() const {
  if (children_.size() != static_cast<size_t>(flags_.nodes) + 1) return false;
  for (const auto& child : children_) {
    if (child->control.empty()) return false;
#ifdef DDS_HAVE_HTTP
    if (child->http.empty()) return false;
#endif
  }
  return true;
}

void Cluster::Announce() {
  announced_ = true;
  deadline_.cancel();
  const auto& master = *children_[0];
  std::cout << "dds cluster: master and " << flags_.nodes << " nodes in " << dir_.string()
            << (remove_dir_ ? " (removed on exit)" : "") << "\n";
  for (const auto& child : children_) {
    std::cout << "  " << child->name
              << std::string(8 - std::min<size_t>(7, child->name.size()), ' ')
              << (child->http.empty() ? "" : child->http + "  ") << "control "
              << child->control;
    if (child.get() != &master) std::cout << "  data " << (dir_ / child->name).string();
    std::cout << "\n";
  }
  std::cout << "admin token: " << std::getenv("DDS_ADMIN_TOKEN") << "\n";
  if (!master.http.empty()) {
    const std::string ca = flags_.https
                               ? " DDS_TLS_CA=" + CaPaths::Cert(dir_ / "tls").string()
                               : std::string();
    std::cout << "try: DDS_MASTER_URL=" << master.http << ca << " dds status\n";
  }
  std::cout << "Ctrl-C stops the cluster." << std::endl;
}

size_t Cluster::Live() const {
  size_t live = 0;
  for (const auto& child : children_) live += child->pid > 0 && !child->exited;
  return live;
}

// Reaps exactly our children, by PID; SIGCHLD may stand for several exits.
void Cluster::Reap() {
  for (auto& child : children_) {
    int status = 0;
    if (child->pid <= 0 || child->exited ||
        ::waitpid(child->pid, &status, WNOHANG) != child->pid) {
      continue;
    }
    child->exited = true;
    const bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!stopping_) {
      Log(child->name + " exited unexpectedly (" +
          (WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                               : "status " + std::to_string(WEXITSTATUS(status))) +
          "); stopping the cluster");
      StopAll(1);
    } else if (!clean) {
      exit_code_ = 1;
    }
  }
  if (stopping_ && Live() == 0) io_.stop();
}

void Cluster::KillAll(int signal) {
  for (const auto& child : children_) {
    if (child->pid > 0 && !child->exited) ::kill(child->pid, signal);
  }
}

void Cluster::StopAll(int exit_code) {
  exit_code_ = std::max(exit_code_, exit_code);
  if (stopping_) return;
  stopping_ = true;
  KillAll(SIGTERM);
  deadline_.expires_after(kStopTimeout);
  deadline_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    Log("children still running after SIGTERM; killing them");
    KillAll(SIGKILL);
  });
  if (Live() == 0) io_.stop();
}

int Cluster::Run() {
  SetLogLabel("dds cluster");
  if (Status s = Prepare(); !s.ok()) Fail("cannot start", s);
  std::function<void(boost::system::error_code, int)> on_stop =
      [this, &on_stop](boost::system::error_code ec, int) {
        if (ec) return;
        if (stopping_) {
          KillAll(SIGKILL);  // a second Ctrl-C: do not wait
        } else {
          Log("stopping");
          StopAll(0);
        }
        stop_signals_.async_wait(on_stop);
      };
  stop_signals_.async_wait(on_stop);
  std::function<void(boost::system::error_code, int)> on_child =
      [this, &on_child](boost::system::error_code ec, int) {
        if (ec) return;
        Reap();
        child_signals_.async_wait(on_child);
      };
  child_signals_.async_wait(on_child);

  auto master = std::make_unique<Child>();
  master->name = "master";
  master->label = "dds master";
  std::vector<std::string> args = {"master", "--listen", "127.0.0.1:0", "--state-dir",
                                   (dir_ / "master").string()};
  for (std::string& arg : HttpArgs("master")) args.push_back(std::move(arg));
  for (std::string& arg : TlsArgs("master")) args.push_back(std::move(arg));
  children_.push_back(std::move(master));
  if (Status s = Spawn(*children_[0], args); !s.ok()) Fail("cannot start", s);
  deadline_.expires_after(kStartupTimeout);
  deadline_.async_wait([this](boost::system::error_code ec) {
    if (ec || announced_) return;
    Log("the cluster did not come up within 15 s");
    StopAll(1);
  });
  io_.run();
  if (remove_dir_) {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  return exit_code_;
}

}  // namespace

void AddClusterCommand(CLI::App& app) {
  auto flags = std::make_shared<ClusterFlags>();
  CLI::App* cmd = app.add_subcommand(
      "cluster",
      "Run a master and N nodes on this machine (loopback), for trying dds out");
  cmd->add_option("--nodes", flags->nodes, "number of nodes")
      ->check(CLI::Range(1, kMaxNodes))
      ->capture_default_str();
  cmd->add_option(
      "--dir", flags->dir,
      "keep state and data dirs here (default: a temporary dir removed on exit)");
  cmd->add_flag("--sample-files", flags->sample_files, "put a few sample files on node1");
  CLI::Option* insecure = cmd->add_flag(
      "--insecure", flags->insecure,
      "plaintext control connections, no certificates (default: the cluster "
      "makes its own CA and certificates in DIR/tls)");
#ifdef DDS_HAVE_HTTP
  cmd->add_flag("--https", flags->https,
                "serve HTTPS to users, with the cluster CA's certificates (clients "
                "trust DIR/tls/ca.crt)")
      ->excludes(insecure);
#else
  (void)insecure;
#endif
  cmd->callback([flags] {
    if (const int code = Cluster(*flags).Run(); code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace dds::tool
