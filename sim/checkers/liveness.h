// Liveness: once faults stop, every live node converges to the catalog.
//
// A live node has converged when it is registered with a running master and
// its disk holds exactly the catalog's live entries, each at its recorded
// content (so no tombstoned path either), and no partial download. The check must be
// cheap enough to run every few milliseconds of virtual time on 100 nodes x 1,000 files,
// so it compares XOR digests over (path, content): each disk keeps its own incrementally,
// and this class keeps the target's, updated per path as the ledger changes. Entries
// whose content is on no live node cannot reach anyone: they are orphans, counted, and
// whatever a node holds at their path (an older version, or nothing) is accepted.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "sim/checkers/ledger.h"
#include "sim/world.h"

namespace dds::sim {

class Liveness {
 public:
  explicit Liveness(const Ledger* ledger) : ledger_(ledger) {}

  // The expectation for `path` may have changed; recompute its share.
  void Retarget(const std::string& path);
  bool Converged(const World& world) const;
  // Why the run has not converged, naming nodes and example paths.
  std::string Explain(const World& world) const;

  size_t orphans() const { return orphans_.size(); }
  size_t target_files() const { return target_.size(); }

 private:
  bool NodeConverged(const Host& host) const;
  std::string ExplainNode(const Host& host) const;

  const Ledger* const ledger_;
  std::map<std::string, uint64_t> target_;  // path -> ContentMix of its live entry
  uint64_t target_digest_ = 0;
  std::set<std::string> orphans_;  // live entries no live node holds
};

}  // namespace dds::sim
