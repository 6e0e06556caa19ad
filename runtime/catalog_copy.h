// The copy of a master's catalog that a master behind the log installs
// (docs/ha.md, "A master behind the log"): the leader makes it from its
// database while it goes on writing, the master behind downloads it, and
// installs it over its own database at its next start.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "core/status.h"
#include "runtime/unique_fd.h"

namespace dds {

// A consistent copy of the SQLite database at `db_path`, taken with
// SQLite's online backup through a connection of its own, in an unlinked
// file in `dir`: its descriptor, open for reading, and its size. Blocks for
// as long as the copy takes: not on a loop's thread.
Result<std::pair<UniqueFd, uint64_t>> CopyCatalog(const std::string& db_path,
                                                  const std::string& dir);

// Where a downloaded copy is written in `state_dir`, and where it waits,
// checked and durable, for the next start.
std::string PartialCatalogPath(const std::string& state_dir);
std::string IncomingCatalogPath(const std::string& state_dir);

// Checks the copy downloaded to PartialCatalogPath (an SQLite database with
// an applied index: core/meta_log.h), makes it durable and moves it to
// IncomingCatalogPath. The copy's applied index, or why it was refused (the
// download is then deleted): Corruption if it is no master's database;
// InvalidArgument if `db_name` in `state_dir` holds a catalog of another
// epoch (core/master_keys.h), another cluster's, which it must not replace.
Result<uint64_t> KeepDownloadedCatalog(const std::string& state_dir,
                                       const std::string& db_name);

// At start, before the database is opened: if a copy waits in `state_dir`,
// it replaces `db_name` (whose WAL and shared memory files go first, being
// the old database's). True if it did.
Result<bool> InstallIncomingCatalog(const std::string& state_dir,
                                    const std::string& db_name);

}  // namespace dds
