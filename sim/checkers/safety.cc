// The safety checker; see safety.h.
#include "sim/checkers/safety.h"

#include <vector>

namespace dds::sim {

void Safety::OnPublished(const std::string& node, const std::string& path,
                         const Digest& digest) {
  if (ledger_->WasRecorded(path, digest)) return;
  verdict_->Fail("Safety", node + " published " + path + " with content " +
                               digest.ShortHex() +
                               ", which the master never recorded for that path");
}

void Safety::OnRecorded(const CatalogEntry& entry, Instant now) {
  if (entry.tombstone) return;
  if (ignored_.Ignored(entry.path)) {
    verdict_->Fail("Safety",
                   "the master recorded " + entry.path + " v" +
                       std::to_string(entry.version) +
                       ", which the ignore patterns cover (a writer's temp file)");
  }
  auto partial = partial_.find({entry.path, entry.hash});
  auto started =
      partial == partial_.end() ? started_.end() : started_.find(partial->second.node);
  const bool restarted =
      started != started_.end() && started->second >= partial->second.since;
  if (partial != partial_.end() && now <= partial->second.until && !restarted) {
    verdict_->Fail("Safety", "the master recorded " + entry.path + " v" +
                                 std::to_string(entry.version) + " with content " +
                                 entry.hash.ShortHex() +
                                 ", a partial state its writer was still working on");
  }
}

void Safety::OnPartialWrite(const std::string& path, const Digest& digest,
                            const std::string& node, Instant since, Instant until) {
  partial_[{path, digest}] = Partial{node, since, until};
}

std::string Safety::Read(const Host& host, const std::string& path) {
  ++reads_;
  if (!host.node) return "not up";
  std::optional<Holding> holding = host.node->Servable(path);
  if (!holding) return "not servable";
  const SimDisk::File* file = host.disk->Find(path);
  if (!file)
    return "servable v" + std::to_string(holding->version) + " but missing on disk";
  // As the HTTP server does (runtime/http/node_handler.cc): a file whose
  // size or mtime is not the held version's is not served (503), whatever
  // changed it (a writer still at work raises no event until it closes the
  // file; a busy node has not handled the event yet).
  if (!host.node->index().HeldAsRecorded(path, file->blob->bytes.size(), file->mtime))
    return "changed on disk: not served";
  const Digest& digest = file->blob->digest;
  if (file->corrupt_unhashed) return "corrupted on disk, not yet detected (excused)";
  if (!ledger_->WasRecorded(path, digest)) {
    verdict_->Fail("Safety", host.name + " would serve " + path + " v" +
                                 std::to_string(holding->version) + " with content " +
                                 digest.ShortHex() + ", which the master never recorded");
  }
  return "served v" + std::to_string(holding->version) + " " + digest.ShortHex();
}

std::string Safety::ReadRandom(const World& world, SplitMix64& random) {
  const std::vector<std::string>& paths = ledger_->paths();
  std::vector<const Host*> nodes;
  for (const auto& host : world.hosts()) {
    if (host->node) nodes.push_back(host.get());
  }
  if (paths.empty() || nodes.empty()) return {};
  const Host* host = nodes[UniformBelow(random.Next(), nodes.size())];
  const std::string& path = paths[UniformBelow(random.Next(), paths.size())];
  return "read " + host->name + " " + path + ": " + Read(*host, path);
}

}  // namespace dds::sim
