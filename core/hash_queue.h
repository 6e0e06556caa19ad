// The files a node hashes in the background (FileStore::HashInBackground),
// and those waiting their turn. At most `max_in_flight` are hashed at once,
// so a tree of new files does not start a hash each; a path waits once,
// however often it is touched; one touched while it is being hashed is
// looked at again when its hash comes back (the bytes hashed may predate
// the touch).
//
// Memory: a map node per path waiting or hashed, and a queue entry per
// path waiting.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dds {

class HashQueue {
 public:
  explicit HashQueue(size_t max_in_flight) : max_in_flight_(max_in_flight) {}

  // `path` (`size` bytes when last seen) is to be hashed: it waits its turn
  // (once), or, if it is being hashed now, is looked at again afterwards.
  void Add(const std::string& path, uint64_t size);
  // Something happened at `path`, waiting or being hashed: if it is being
  // hashed, it is looked at again afterwards. REQUIRES: Contains(path).
  void Touched(const std::string& path);
  // Waiting or being hashed: its bytes on disk are not yet known.
  bool Contains(std::string_view path) const { return paths_.contains(path); }
  // The next path to hash, if one waits and fewer than `max_in_flight` are
  // being hashed; it is being hashed from now on.
  std::optional<std::string> Start();
  // The hash of `path` came back; true if it was added again meanwhile.
  // REQUIRES: `path` was started and not yet finished.
  bool Finish(const std::string& path);
  // The paths waiting or being hashed that were last seen with `size`
  // bytes (the new half of a rename has the old one's size).
  std::vector<std::string> WithSize(uint64_t size) const;
  size_t in_flight() const { return in_flight_; }
  size_t waiting() const { return order_.size(); }

 private:
  enum class State { kWaiting, kHashing, kHashingAgain };
  struct Entry {
    State state = State::kWaiting;
    uint64_t size = 0;
  };

  const size_t max_in_flight_;
  size_t in_flight_ = 0;
  std::map<std::string, Entry, std::less<>> paths_;
  std::deque<std::string> order_;  // the waiting ones, first come first
};

}  // namespace dds
