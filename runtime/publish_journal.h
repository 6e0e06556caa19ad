// Crash-atomic publishes: a node's durable record of what it installs is
// never behind the rename that makes it visible.
//
// A batch's publishes are renamed into place only after the metadata commit
// that records them, and that commit also records an intent per publish
// (stage set aside -> path). A crash between the commit and the renames
// leaves committed intents whose stages are still set aside; Recover, at
// the next start and before the core runs, finishes those renames. A crash
// before the commit loses the records and the intents together, and the
// stages set aside are deleted: the node pulls those files again. Either
// way the node's index and its disk agree on every file it installed, so
// nothing it installed can come back to it as a local change.
//
// The intents are kv records under kIntentPrefix, outside the core's key
// space. An intent whose rename is done is deleted in the next commit that
// happens anyway, so the journal adds no commit of its own.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "runtime/posix_file_store.h"
#include "runtime/sqlite_meta_store.h"

namespace dds {

inline constexpr std::string_view kIntentPrefix = "runtime/publishing/";

class PublishJournal {
 public:
  PublishJournal(SqliteMetaStore& meta, PosixFileStore& files)
      : meta_(meta), files_(files) {}

  // At start-up, before anything is published: finishes the publishes whose
  // intents were committed, drops the others, forgets every intent.
  Status Recover();
  // In the flush, once the data is durable and before the commit: writes
  // an intent for each deferred publish (and deletes the intents of renames
  // done since the last commit, if there is a commit to carry them).
  Status Record();
  // In the flush, after the commit: the renames.
  Status Complete();
  // The whole flush, in its order: the published files' data made durable
  // (so that no record, and no rename, names a file a power loss could
  // truncate), Record, the metadata commit, Complete.
  Status Flush();

 private:
  SqliteMetaStore& meta_;
  PosixFileStore& files_;
  std::vector<std::string> recorded_;  // intent keys of the publishes in flight
  std::vector<std::string> done_;      // intent keys whose renames are made
};

}  // namespace dds
