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
// happens anyway, once the directory renamed into is fsynced, so the
// journal adds no commit of its own. runtime/group_commit.h runs the
// flush.
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
  // A flush, on the io_context's thread, before the metadata batch is
  // taken: takes the deferred publishes and writes an intent for each (and,
  // if there is a commit to carry them, deletes the intents of the renames
  // done since the last commit, whose directories this flush fsyncs).
  // Then, on the flush thread, PosixFileStore::SyncPublishBatch and the
  // metadata commit.
  Result<PosixFileStore::PublishBatch> Begin();
  // After the commit, on the io_context's thread: the renames.
  Status Finish(const PosixFileStore::PublishBatch& batch);

 private:
  SqliteMetaStore& meta_;
  PosixFileStore& files_;
  std::vector<std::string> done_;  // intent keys whose renames are made
};

}  // namespace dds
