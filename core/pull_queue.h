// What a node wants to pull, and how many pulls may run at once.
//
// Files of more than one chunk are pulled a few at a time (each spreads its
// chunks over several holders and keeps several in flight). Files of one
// chunk are pulled many at a time, bounded in count and in bytes, so that
// thousands of small files (a new directory, a node joining) travel in a few
// batched Fetch requests rather than one round trip each.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace dds {

class PullQueue {
 public:
  struct Limits {
    size_t large = 8;                    // pulls of multi-chunk files at once
    size_t small = 256;                  // pulls of one-chunk files at once
    uint64_t small_bytes = 16ull << 20;  // their bytes at once
  };
  struct Next {
    std::string path;
    bool pushed = false;  // the entry came as news (see Node::OriginToAsk)
  };

  explicit PullQueue(Limits limits) : limits_(limits) {}

  // Wants `path` (of `size` bytes); wanting it again updates it.
  void Want(const std::string& path, uint64_t size, bool pushed);
  void Unwant(const std::string& path);
  bool Wants(const std::string& path) const {
    return small_.contains(path) || large_.contains(path);
  }
  size_t size() const { return small_.size() + large_.size(); }

  // The next wanted path that may start now, taken off the queue; the
  // caller reports it Started (or drops it). Paths come in path order
  // within each kind.
  std::optional<Next> Take();
  // A pull of `size` bytes began or ended.
  void Started(uint64_t size);
  void Stopped(uint64_t size);

 private:
  struct Wanted {
    uint64_t size = 0;
    bool pushed = false;
  };
  static bool Small(uint64_t size);

  const Limits limits_;
  std::map<std::string, Wanted> small_;  // ordered: deterministic
  std::map<std::string, Wanted> large_;
  size_t small_running_ = 0;
  uint64_t small_running_bytes_ = 0;
  size_t large_running_ = 0;
};

}  // namespace dds
