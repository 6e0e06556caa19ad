// A real etcd for tests: one member, the Debian package's (found through
// DDS_ETCD_BINARY, which CMake sets), on free loopback ports in a temp dir,
// stopped by its PID and removed at the end.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "runtime/etcd/etcd_client.h"

namespace dds::etcd::testing {

// A free port below Linux's ephemeral range (32768 up), so that no outgoing
// connection takes it before etcd listens on it.
inline int FreePort() {
  std::random_device random;
  for (;;) {
    const int port = 15000 + static_cast<int>(random() % 17000);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (free) return port;
  }
}

inline http::BaseUrl Url(int port) {
  return http::ParseBaseUrl("http://127.0.0.1:" + std::to_string(port)).value();
}

// One etcd member in a temp dir, stopped (by its PID) and removed at the end.
class Etcd {
 public:
  Etcd()
      : dir_(std::filesystem::temp_directory_path() /
             ("dds-etcd-" + std::to_string(::getpid()))),
        port_(FreePort()) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    const std::string up = Start();
    if (!up.empty()) {
      Stop();
      BOOST_FAIL("etcd did not start: " + up);
    }
  }
  ~Etcd() { Stop(); }
  int port() const { return port_; }
  // Freezes it (SIGSTOP) or lets it go on (SIGCONT): etcd unavailable.
  void Pause(bool paused) { ::kill(pid_, paused ? SIGSTOP : SIGCONT); }

 private:
  // Starts etcd; an empty string once it answers, else why not.
  std::string Start() {
    const char* binary = std::getenv("DDS_ETCD_BINARY");
    if (binary == nullptr) return "DDS_ETCD_BINARY is not set";
    const std::string client = "http://127.0.0.1:" + std::to_string(port_);
    const std::string peer = "http://127.0.0.1:" + std::to_string(FreePort());
    const std::vector<std::string> args = {binary,
                                           "--name",
                                           "m1",
                                           "--data-dir",
                                           (dir_ / "data").string(),
                                           "--listen-client-urls",
                                           client,
                                           "--advertise-client-urls",
                                           client,
                                           "--listen-peer-urls",
                                           peer,
                                           "--initial-advertise-peer-urls",
                                           peer,
                                           "--initial-cluster",
                                           "m1=" + peer};
    pid_ = ::fork();
    if (pid_ < 0) return "fork failed";
    if (pid_ == 0) {
      // Its log goes to a file in its dir, not into the test's output.
      const int log = ::open((dir_ / "log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(log, STDOUT_FILENO);
      ::dup2(log, STDERR_FILENO);
      std::vector<char*> argv;
      for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    Client probe({Url(port_)}, std::chrono::milliseconds(500));
    Result<RangeResult> answer = probe.Range("probe");
    for (int i = 0; i < 200 && !answer.ok(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      answer = probe.Range("probe");
    }
    return answer.ok() ? "" : answer.status().ToString();
  }
  void Stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    std::filesystem::remove_all(dir_);
  }

  const std::filesystem::path dir_;
  const int port_;
  pid_t pid_ = -1;
};

}  // namespace dds::etcd::testing
