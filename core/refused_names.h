// Files in a node's data dir whose names dds refuses (core/path.h: a
// backslash, a control character, a .dds prefix...). They are never
// replicated, so the operator must hear of them: each is logged once while
// it stays, and counted (in heartbeats, so in the master's status, and in
// the node's /metrics).
//
// The count is of the names the last whole scan pass found, plus those
// found since (by file events or the pass under way). Memory is bounded:
// kRemembered names are kept; beyond them names are counted, not logged
// (and one found twice there, by an event and the scan, counts twice until
// the pass ends).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

namespace dds {

class RefusedNames {
 public:
  static constexpr size_t kRemembered = 4096;

  // `path` was found with a refused name. True when it is news (to log):
  // not found before since it was last seen gone.
  bool Found(std::string_view path);
  // A whole scan pass starts, or ends (then names it did not find are gone).
  void PassBegins();
  void PassEnds();
  uint64_t count() const { return known_.size() + known_overflow_; }

 private:
  void Remember(std::set<std::string, std::less<>>& names, uint64_t& overflow,
                std::string_view path);

  std::set<std::string, std::less<>> known_;  // found, and not found gone since
  uint64_t known_overflow_ = 0;               // found beyond kRemembered
  bool in_pass_ = false;
  std::set<std::string, std::less<>> pass_;  // found during the pass under way
  uint64_t pass_overflow_ = 0;
};

}  // namespace dds
