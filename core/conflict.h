// The conflict rule: which of two concurrent versions of a path wins, and
// where the loser's content is kept.
//
// Two changes are concurrent when neither was based on the other (the master
// sees a Changed whose base_version is older than the current version). The
// rule is deterministic and independent of arrival order:
//   1. a tombstone beats any concurrent edit (a deleted file never returns);
//   2. otherwise the later mtime wins; ties go to the greater origin name,
//      then to the greater content digest.
// The loser is never dropped: it becomes a new file next to the winner, named
// "<stem>.conflict-<origin>-<hash8><ext>" (see ConflictPath).
#pragma once

#include <string>

#include "core/entry.h"

namespace dds {

// True if `a` wins over `b`. REQUIRES: a and b are versions of the same path.
bool WinsConflict(const CatalogEntry& a, const CatalogEntry& b);

// The path the loser `entry` is kept at: "dir/name.conflict-n3-1a2b3c4d.txt".
std::string ConflictPath(const CatalogEntry& entry);

}  // namespace dds
