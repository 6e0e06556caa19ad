// Safety: a node only ever publishes, and only ever serves, content that the
// master recorded for that path.
//  (a) every Publish on any disk must carry a digest recorded for its path;
//  (b) a client read (Node::Servable, as the HTTP server would use it) must
//      find bytes on that node's disk that hash to a digest recorded for the
//      path; the one excuse is a file the scenario corrupted silently that
//      the node has not re-hashed since (it cannot know yet).
#pragma once

#include <string>

#include "core/random.h"
#include "sim/checkers/ledger.h"
#include "sim/checkers/verdict.h"
#include "sim/world.h"

namespace dds::sim {

class Safety {
 public:
  Safety(const Ledger* ledger, Verdict* verdict) : ledger_(ledger), verdict_(verdict) {}

  void OnPublished(const std::string& node, const std::string& path,
                   const Digest& digest);
  // Reads `path` from `host` as a client would; returns what happened, for
  // the trace.
  std::string Read(const Host& host, const std::string& path);
  // Reads a random recorded path from a random live node.
  std::string ReadRandom(const World& world, SplitMix64& random);

  uint64_t reads() const { return reads_; }

 private:
  const Ledger* const ledger_;
  Verdict* const verdict_;
  uint64_t reads_ = 0;
};

}  // namespace dds::sim
