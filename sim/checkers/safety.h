// Safety: a node only ever publishes, and only ever serves, content that the
// master recorded for that path.
//  (a) every Publish on any disk must carry a digest recorded for its path;
//  (b) a client read (Node::Servable, as the HTTP server would use it, with
//      its size check) must find bytes on that node's disk that hash to a
//      digest recorded for the path; the one excuse is a file the scenario
//      corrupted silently that the node has not re-hashed since (it cannot
//      know yet);
//  (c) the master never records a live entry at a path the default ignore
//      patterns cover (core/ignore_filter.h): no writer's temp file ever
//      reaches the catalog (simulated clusters keep the defaults);
//  (d) no partial content of a slow writer (sim/actions.h, slow_write) is
//      recorded while the writer is still at work, when the nodes wait
//      longer than its pauses before they look (NodeOptions::settle_time).
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>

#include "core/ignore_filter.h"
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
  void OnRecorded(const CatalogEntry& entry, Instant now);
  // `digest` is a partial state of `path` that a writer on `node` works on
  // from `since` until `until`: the master must not record it before then,
  // unless the node (re)started meanwhile (its start-up pass examines at
  // once, core/node_disk.cc).
  void OnPartialWrite(const std::string& path, const Digest& digest,
                      const std::string& node, Instant since, Instant until);
  void OnNodeStarted(const std::string& node, Instant now) { started_[node] = now; }
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
  const IgnoreFilter ignored_{IgnoreFilter::Defaults()};
  struct Partial {
    std::string node;
    Instant since{};
    Instant until{};
  };
  std::map<std::pair<std::string, Digest>, Partial> partial_;
  std::map<std::string, Instant> started_;  // node -> its last start
};

}  // namespace dds::sim
