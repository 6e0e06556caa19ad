// The versions of each path that a newer one replaced: the last kKept of
// them, kept durably in the master's MetaStore (superseded/<path>,
// core/master_keys.h) and read only when a change needs them, so they cost
// no memory per path.
//
// Why the master keeps them: a node may report, as a change from an old
// base, content that is one of the path's replaced versions, because it got
// the file outside dds before the cluster moved on: a new mirror seeded by
// rsync or from a backup, files placed on several nodes at once. That
// content *is* that version, not an edit; judged as an edit it would come
// back as a conflict copy of stale data (or, after a delete, as deleted
// content under a new name). Older versions than the last kKept of a path
// are judged as edits. (Before the publish journal, runtime/
// publish_journal.h, a node's crash between an install and its record also
// produced such reports; it no longer can.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "core/env.h"
#include "core/types.h"

namespace dds {

class VersionHistory {
 public:
  static constexpr size_t kKept = 8;

  explicit VersionHistory(Env* env) : env_(env) {}

  // `version` of `path`, with content `hash`, has just been replaced.
  void Remember(const std::string& path, uint64_t version, const Digest& hash);
  // The newest remembered version of `path` with content `hash`, if any.
  std::optional<uint64_t> Find(const std::string& path, const Digest& hash) const;

  // The durable record of one path (oldest version first).
  struct Versions {
    struct Version {
      uint64_t version = 0;
      Digest hash;
      template <typename S>
      static auto Tie(S& s) {
        return std::tie(s.version, s.hash);
      }
    };
    std::vector<Version> versions;
    template <typename S>
    static auto Tie(S& s) {
      return std::tie(s.versions);
    }
  };

 private:
  Versions Load(const std::string& path) const;

  Env* const env_;
};

}  // namespace dds
