// The invariant checkers together: feeds the ledger from what the world
// reports (catalog records, disk changes, hosts going up and down) and hands
// each event to the checker whose property it concerns.
#pragma once

#include <string>

#include "sim/checkers/durability.h"
#include "sim/checkers/leadership.h"
#include "sim/checkers/ledger.h"
#include "sim/checkers/liveness.h"
#include "sim/checkers/safety.h"
#include "sim/checkers/verdict.h"
#include "sim/world.h"

namespace dds::sim {

class Checkers final : public WorldObserver {
 public:
  explicit Checkers(EventLoop* loop);
  Checkers(const Checkers&) = delete;
  Checkers& operator=(const Checkers&) = delete;

  // WorldObserver.
  void OnFileChanged(const FileChange& change) override;
  void OnRecorded(const CatalogEntry& entry) override;
  void OnInferred(const std::string& path, uint64_t version, const Digest& hash) override;
  void OnMarkedDown(const std::string& node) override;
  void OnHostChanged(const Host& host) override;
  void OnObeyed(const std::string& node, const std::string& master,
                uint64_t term) override;
  // Fail the run if the master marks any node down (Expect).
  void ExpectNoNodeMarkedDown() { no_node_marked_down_ = true; }

  // The scenario wrote `digest` to `path` somewhere.
  void OnScenarioWrite(const std::string& path, const Digest& digest);
  // The scenario deleted `path` (holding `digest`) on a source node.
  void OnSourceDelete(const std::string& node, const std::string& path,
                      const Digest& digest);

  Ledger& ledger() { return ledger_; }
  Safety& safety() { return safety_; }
  Durability& durability() { return durability_; }
  Liveness& liveness() { return liveness_; }
  Leadership& leadership() { return leadership_; }
  Verdict& verdict() { return verdict_; }

 private:
  EventLoop* const loop_;
  Verdict verdict_;
  Ledger ledger_;
  Safety safety_;
  Durability durability_;
  Liveness liveness_;
  Leadership leadership_;
  bool no_node_marked_down_ = false;
};

}  // namespace dds::sim
