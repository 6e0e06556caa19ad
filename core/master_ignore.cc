// The master's ignore patterns: kept durably, pushed to every node, and
// applied to the catalog (an ignored path has no live entry).
#include <algorithm>

#include "core/master.h"
#include "core/master_keys.h"
#include "core/wire.h"

namespace dds {

void Master::LoadIgnoreRules() {
  ignore_ = IgnoreRules{1, IgnoreFilter::Defaults()};
  std::string value;
  if (env_->Meta().Get(kIgnoreKey, &value).ok()) {
    Result<IgnoreRules> stored = DecodeRecord<IgnoreRules>(value);
    if (stored.ok() && stored->patterns.size() <= IgnoreFilter::kMaxPatterns) {
      ignore_ = std::move(*stored);
    } else {
      env_->Note("master: unreadable ignore patterns; using the defaults");
    }
  }
  ignore_filter_ = IgnoreFilter(ignore_.patterns);
}

Result<IgnoreRules> Master::AddIgnore(const std::string& pattern) {
  if (Status s = IgnoreFilter::CheckPattern(pattern); !s.ok()) return s;
  std::vector<std::string> patterns = ignore_.patterns;
  if (std::find(patterns.begin(), patterns.end(), pattern) != patterns.end())
    return ignore_;
  if (patterns.size() == IgnoreFilter::kMaxPatterns) {
    return Status::InvalidArgument("ignore pattern: the list is full (" +
                                   std::to_string(IgnoreFilter::kMaxPatterns) + ")");
  }
  patterns.push_back(pattern);
  Result<IgnoreRules> rules = SetIgnoreRules(std::move(patterns));
  if (rules.ok()) {
    Notable("ignoring " + pattern);
    TombstoneIgnored();
  }
  return rules;
}

Result<IgnoreRules> Master::RemoveIgnore(const std::string& pattern) {
  std::vector<std::string> patterns = ignore_.patterns;
  auto it = std::find(patterns.begin(), patterns.end(), pattern);
  if (it == patterns.end())
    return Status::NotFound("ignore pattern not listed: " + pattern);
  patterns.erase(it);
  Result<IgnoreRules> rules = SetIgnoreRules(std::move(patterns));
  // Removing a negation (`!keep.tmp`) ignores more: check the catalog too.
  if (rules.ok()) {
    Notable("no longer ignoring " + pattern);
    TombstoneIgnored();
  }
  return rules;
}

Result<IgnoreRules> Master::SetIgnoreRules(std::vector<std::string> patterns) {
  IgnoreRules rules{ignore_.version + 1, std::move(patterns)};
  if (Status s = env_->Meta().Put(kIgnoreKey, EncodeRecord(rules)); !s.ok()) return s;
  ignore_ = std::move(rules);
  ignore_filter_ = IgnoreFilter(ignore_.patterns);
  // Before any tombstone they cause: a node applies the patterns first.
  for (const auto& [name, node] : nodes_) {
    if (node.up) outbox_.Send(node.peer_address, ignore_);
  }
  return ignore_;
}

void Master::TombstoneIgnored() {
  // One walk over the catalog per change of the patterns (an admin's act,
  // rare); the tombstones are recorded after it, since recording moves
  // slots in the log.
  std::vector<CatalogEntry> tombstones;
  for (const Catalog::Slot& slot : catalog_.slots()) {
    if (slot.live() && ignore_filter_.Ignored(slot.path)) {
      tombstones.push_back({std::string(slot.path),
                            slot.version + 1,
                            Digest{},
                            0,
                            true,
                            std::string(kIgnoredOrigin),
                            0,
                            {}});
    }
  }
  for (const CatalogEntry& tombstone : tombstones) Record(tombstone);
  if (!tombstones.empty()) {
    Notable(std::to_string(tombstones.size()) +
            " files now ignored left the catalog (they stay on the disks)");
  }
}

}  // namespace dds
