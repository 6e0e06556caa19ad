// The liveness checker; see liveness.h.
#include "sim/checkers/liveness.h"

#include <vector>

namespace dds::sim {
namespace {

constexpr int kExamples = 3;  // paths / nodes named in an explanation

}  // namespace

void Liveness::Retarget(const std::string& path) {
  if (auto it = target_.find(path); it != target_.end()) {
    target_digest_ ^= it->second;
    target_.erase(it);
  }
  orphans_.erase(path);
  const CatalogEntry* entry = ledger_->Latest(path);
  if (!entry || entry->tombstone) return;
  const Copies* copies = ledger_->CopiesOf(path, entry->hash);
  if (!copies || copies->live == 0) {
    orphans_.insert(path);
    return;
  }
  uint64_t mix = ContentMix(path, entry->hash);
  target_.emplace(path, mix);
  target_digest_ ^= mix;
}

bool Liveness::Converged(const World& world) const {
  if (world.leader() == nullptr) return false;
  for (const auto& host : world.hosts()) {
    if (host->node && !NodeConverged(*host)) return false;
  }
  return true;
}

bool Liveness::NodeConverged(const Host& host) const {
  uint64_t digest = host.disk->content_digest();
  size_t files = host.disk->files().size();
  for (const std::string& path : orphans_) {  // whatever is there is fine
    if (const SimDisk::File* file = host.disk->Find(path)) {
      digest ^= ContentMix(path, file->blob->digest);
      --files;
    }
  }
  // A partial download left behind is disk space lost for good; one is
  // excused only while an orphan's pull may still resume from it.
  bool stages_clean = host.disk->stage_count() == 0 || !orphans_.empty();
  return host.node->registered() && digest == target_digest_ && files == target_.size() &&
         stages_clean;
}

std::string Liveness::Explain(const World& world) const {
  const auto& hosts = world.hosts();
  if (world.leader() == nullptr) return "no master runs";
  std::string why;
  int named = 0;
  for (size_t i = 0; i < hosts.size() && named < kExamples; ++i) {
    const Host& host = *hosts[i];
    if (!host.node || NodeConverged(host)) continue;
    why += (named++ ? "; " : "") + ExplainNode(host);
  }
  return why;
}

std::string Liveness::ExplainNode(const Host& host) const {
  if (!host.node->registered()) return host.name + " is not registered";
  std::vector<std::string> problems;
  for (const auto& [path, mix] : target_) {
    const SimDisk::File* file = host.disk->Find(path);
    if (!file) {
      problems.push_back("lacks " + path);
    } else if (ContentMix(path, file->blob->digest) != mix) {
      problems.push_back("has a stale " + path);
    }
  }
  for (const auto& [path, file] : host.disk->files()) {
    if (!target_.contains(path))
      problems.push_back("has " + path + ", which is not live in the catalog");
  }
  if (orphans_.empty() && host.disk->stage_count() > 0) {
    problems.push_back("has " + std::to_string(host.disk->stage_count()) +
                       " partial downloads left");
  }
  std::string why = host.name + " " + std::to_string(problems.size()) + " off:";
  for (size_t i = 0; i < problems.size() && i < kExamples; ++i)
    why += " " + problems[i] + ";";
  why.pop_back();
  return why;
}

}  // namespace dds::sim
