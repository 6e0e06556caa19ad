// Seed sweeps over forked workers; see parallel_sweep.h.
//
// Parent to worker: a seed as 8 bytes; end of file means "stop". Worker to
// parent: the seed (8 bytes), ok (1 byte), then the line and the data, each
// as its length (4 bytes) and its bytes.
#include "tools/ddsim/parallel_sweep.h"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <map>
#include <thread>
#include <vector>

namespace dds::sim {
namespace {

bool WriteAll(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool WriteText(int fd, const std::string& text) {
  auto length = static_cast<uint32_t>(text.size());
  return WriteAll(fd, &length, sizeof(length)) && WriteAll(fd, text.data(), text.size());
}

// False at end of file or on an error before `size` bytes.
bool ReadAll(int fd, void* data, size_t size) {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    ssize_t n = ::read(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool ReadText(int fd, std::string* text) {
  uint32_t length = 0;
  if (!ReadAll(fd, &length, sizeof(length))) return false;
  text->resize(length);
  return ReadAll(fd, text->data(), length);
}

[[noreturn]] void WorkerLoop(int requests, int replies,
                             const std::function<SeedReport(uint64_t)>& run) {
  uint64_t seed = 0;
  while (ReadAll(requests, &seed, sizeof(seed))) {
    SeedReport report = run(seed);
    uint8_t ok = report.ok ? 1 : 0;
    if (!WriteAll(replies, &seed, sizeof(seed)) || !WriteAll(replies, &ok, 1) ||
        !WriteText(replies, report.line) || !WriteText(replies, report.data)) {
      break;
    }
  }
  ::_exit(0);  // Not exit(): the parent's buffers and atexit handlers are not ours.
}

struct Worker {
  pid_t pid = -1;
  int requests = -1;  // parent writes seeds here
  int replies = -1;   // parent reads reports here
  std::optional<uint64_t> running;
};

class Dispatcher {
 public:
  Dispatcher(const SweepPlan& plan, const std::function<SeedReport(uint64_t)>& run,
             std::ostream& out, const std::function<void(const SeedReport&)>& collect)
      : plan_(plan),
        run_(run),
        out_(out),
        collect_(collect),
        next_(plan.first),
        print_next_(plan.first) {}

  std::optional<uint64_t> Go() {
    out_.flush();  // Or the workers inherit unwritten output and print it again.
    for (unsigned i = 0; i < plan_.jobs; ++i) {
      if (!Spawn()) break;
    }
    if (workers_.empty()) {
      std::cerr << "ddsim: cannot start workers (" << std::strerror(errno)
                << "); sweeping in this process\n";
      return Sequential();
    }
    for (Worker& w : workers_) Assign(w);
    while (Busy()) Wait();
    for (Worker& w : workers_) {
      if (w.requests >= 0) ::close(w.requests);
      ::close(w.replies);
      if (w.pid > 0) ::waitpid(w.pid, nullptr, 0);
    }
    return lowest_failing_;
  }

  std::optional<uint64_t> Sequential() {
    for (uint64_t seed = plan_.first;; seed += plan_.stride) {
      Done(seed, run_(seed));
      if (lowest_failing_ || plan_.last - seed < plan_.stride) return lowest_failing_;
    }
  }

 private:
  bool Spawn() {
    int to_worker[2];
    int from_worker[2];
    if (::pipe(to_worker) != 0) return false;
    if (::pipe(from_worker) != 0) {
      ::close(to_worker[0]);
      ::close(to_worker[1]);
      return false;
    }
    pid_t pid = ::fork();
    if (pid < 0) {
      for (int fd : {to_worker[0], to_worker[1], from_worker[0], from_worker[1]})
        ::close(fd);
      return false;
    }
    if (pid == 0) {
      ::close(to_worker[1]);
      ::close(from_worker[0]);
      // Earlier workers' pipe ends, inherited: closed so that they see end
      // of file when the parent closes its own.
      for (const Worker& w : workers_) {
        ::close(w.requests);
        ::close(w.replies);
      }
      WorkerLoop(to_worker[0], from_worker[1], run_);
    }
    ::close(to_worker[0]);
    ::close(from_worker[1]);
    workers_.push_back(Worker{pid, to_worker[1], from_worker[0], std::nullopt});
    return true;
  }

  // Gives the worker its next seed, or tells it to stop.
  void Assign(Worker& w) {
    w.running.reset();
    bool more = !dealt_all_ && (!lowest_failing_ || next_ < *lowest_failing_);
    if (more && WriteAll(w.requests, &next_, sizeof(next_))) {
      w.running = next_;
      if (plan_.last - next_ < plan_.stride) {
        dealt_all_ = true;
      } else {
        next_ += plan_.stride;
      }
      return;
    }
    ::close(w.requests);
    w.requests = -1;
  }

  bool Busy() const {
    for (const Worker& w : workers_) {
      if (w.running) return true;
    }
    return false;
  }

  void Wait() {
    std::vector<pollfd> fds;
    std::vector<Worker*> owners;
    for (Worker& w : workers_) {
      if (!w.running) continue;
      fds.push_back(pollfd{w.replies, POLLIN, 0});
      owners.push_back(&w);
    }
    if (::poll(fds.data(), fds.size(), -1) < 0) return;  // EINTR: try again
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents != 0) Collect(*owners[i]);
    }
  }

  void Collect(Worker& w) {
    uint64_t seed = 0;
    uint8_t ok = 0;
    SeedReport report;
    if (ReadAll(w.replies, &seed, sizeof(seed)) && ReadAll(w.replies, &ok, 1) &&
        ReadText(w.replies, &report.line) && ReadText(w.replies, &report.data) &&
        seed == *w.running) {
      report.ok = ok == 1;
      Done(seed, std::move(report));
      Assign(w);
      return;
    }
    seed = *w.running;
    report = SeedReport{false, "seed " + std::to_string(seed) + ": the worker died (" +
                                   Reaped(w) + ")\n"};
    if (w.requests >= 0) ::close(w.requests);
    w.requests = -1;
    w.running.reset();
    Done(seed, std::move(report));
  }

  // How the worker ended, once it has.
  std::string Reaped(Worker& w) {
    int status = 0;
    if (::waitpid(w.pid, &status, 0) != w.pid) return "unknown status";
    w.pid = -1;
    if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
    return "exit " + std::to_string(WEXITSTATUS(status));
  }

  void Done(uint64_t seed, SeedReport report) {
    if (!report.ok && (!lowest_failing_ || seed < *lowest_failing_))
      lowest_failing_ = seed;
    if (collect_) collect_(report);
    finished_.emplace(seed, std::move(report));
    // Lines go out in seed order, up to the lowest failure, as a sequential
    // sweep prints them.
    for (auto it = finished_.begin(); it != finished_.end() && it->first == print_next_ &&
                                      (!lowest_failing_ || it->first <= *lowest_failing_);
         it = finished_.erase(it)) {
      out_ << it->second.line;
      print_next_ += plan_.stride;
    }
    out_.flush();
  }

  const SweepPlan plan_;
  const std::function<SeedReport(uint64_t)>& run_;
  std::ostream& out_;
  const std::function<void(const SeedReport&)>& collect_;
  std::vector<Worker> workers_;
  uint64_t next_;
  bool dealt_all_ = false;  // next_ was the last seed of the plan
  uint64_t print_next_;
  std::map<uint64_t, SeedReport> finished_;  // not yet printed
  std::optional<uint64_t> lowest_failing_;
};

}  // namespace

std::optional<uint64_t> SweepSeeds(
    const SweepPlan& plan, const std::function<SeedReport(uint64_t)>& run,
    std::ostream& out, const std::function<void(const SeedReport&)>& collect) {
  Dispatcher dispatcher(plan, run, out, collect);
  if (plan.jobs <= 1 || plan.last - plan.first < plan.stride)
    return dispatcher.Sequential();
  return dispatcher.Go();
}

unsigned DefaultJobs() { return std::max(1u, std::thread::hardware_concurrency()); }

}  // namespace dds::sim
