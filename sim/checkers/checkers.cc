// Wiring of the invariant checkers; see checkers.h.
#include "sim/checkers/checkers.h"

namespace dds::sim {

Checkers::Checkers(EventLoop* loop)
    : loop_(loop),
      verdict_(loop),
      safety_(&ledger_, &verdict_),
      durability_(&ledger_, &verdict_),
      liveness_(&ledger_),
      leadership_(&verdict_) {
  ledger_.set_on_target_change(
      [this](const std::string& path) { liveness_.Retarget(path); });
}

void Checkers::OnFileChanged(const FileChange& change) {
  bool live = change.disk.online();
  // A crash undoing an unflushed publish is a fault too (the node never
  // claimed that copy).
  bool injected =
      change.cause == ChangeCause::kScenario || change.cause == ChangeCause::kCrash;
  if (change.before) {
    ledger_.CopyRemoved(change.path, change.before->digest, live, injected,
                        change.disk.node());
  }
  if (change.after) ledger_.CopyAdded(change.path, change.after->digest, live);
  if (change.cause == ChangeCause::kPublish) {
    safety_.OnPublished(change.disk.node(), change.path, change.after->digest);
  }
}

void Checkers::OnRecorded(const CatalogEntry& entry) {
  safety_.OnRecorded(entry, loop_->Now());
  durability_.BeforeRecord(entry, loop_->Now());
  ledger_.Record(entry, loop_->Now());
}

void Checkers::OnInferred(const std::string& path, uint64_t /*version*/,
                          const Digest& hash) {
  ledger_.RecordInferred(path, hash);
}

void Checkers::OnMarkedDown(const std::string& node) {
  if (no_node_marked_down_) {
    verdict_.Fail("Liveness", "the master marked " + node +
                                  " down, and nothing in the scenario may (a node busy "
                                  "with its disk must still answer)");
  }
}

void Checkers::OnHostChanged(const Host& host) {
  if (!host.disk) return;
  if (host.up()) safety_.OnNodeStarted(host.name, loop_->Now());
  int delta = host.up() ? 1 : -1;
  for (const auto& [path, file] : host.disk->files()) {
    ledger_.CopyOnline(path, file.blob->digest, delta);
  }
}

void Checkers::OnObeyed(const std::string& node, const std::string& master,
                        uint64_t term) {
  leadership_.OnObeyed(node, master, term);
}

void Checkers::OnScenarioWrite(const std::string& path, const Digest& digest) {
  ledger_.NoteWrite(path, digest, loop_->Now());
}

void Checkers::OnSourceDelete(const std::string& node, const std::string& path,
                              const Digest& digest) {
  durability_.NoteSourceDelete(node, path, digest, loop_->Now());
}

}  // namespace dds::sim
