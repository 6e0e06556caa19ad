// The catalog copy for a master behind the log; see catalog_copy.h.
#include "runtime/catalog_copy.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "core/master_keys.h"
#include "core/messages.h"
#include "core/meta_log.h"
#include "core/wire.h"
#include "runtime/sqlite_meta_store.h"

namespace dds {
namespace {

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, CloseDb>;

Status SqliteError(const std::string& what, sqlite3* db) {
  return Status::IOError(what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

Result<Db> OpenDb(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) return SqliteError("cannot open " + path, raw);
  return db;
}

Status Errno(const std::string& what) {
  return Status::IOError(what + ": " + std::strerror(errno));
}

// fsyncs `path` (a file, or a directory after a rename in it).
Status SyncPath(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Errno("cannot open " + path);
  if (::fsync(fd.get()) != 0) return Errno("cannot sync " + path);
  return Status::Ok();
}

Status RemoveIfThere(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return Errno("cannot remove " + path);
  return Status::Ok();
}

// The value of `key` in a master's database (its kv table); nullopt if
// there is none.
Result<std::optional<std::string>> ReadValue(sqlite3* db, std::string_view key) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT value FROM kv WHERE key = ?", -1, &raw, nullptr) !=
      SQLITE_OK) {
    return SqliteError("not a master's database", db);
  }
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> statement(raw, sqlite3_finalize);
  sqlite3_bind_blob(raw, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  const int step = sqlite3_step(raw);
  if (step == SQLITE_DONE) return std::optional<std::string>();
  if (step != SQLITE_ROW) return SqliteError("cannot read " + std::string(key), db);
  const auto* bytes = static_cast<const char*>(sqlite3_column_blob(raw, 0));
  return std::optional<std::string>(
      std::string(bytes ? bytes : "", static_cast<size_t>(sqlite3_column_bytes(raw, 0))));
}

// The epoch of the catalog in a master's database; 0 if it holds none.
Result<uint64_t> ReadEpoch(sqlite3* db) {
  Result<std::optional<std::string>> value = ReadValue(db, kEpochKey);
  if (!value.ok()) return value.status();
  if (!*value) return uint64_t{0};
  Result<Cursor> cursor = DecodeRecord<Cursor>(**value);
  if (!cursor.ok()) return Status::Corruption("its epoch is unreadable");
  return cursor->epoch;
}

// The applied index of the downloaded copy `part`, if it may replace the
// database at `db` (none there, or one of the same catalog).
Result<uint64_t> CheckCopy(const std::string& part, const std::string& db) {
  // Read only: a download that is no database, or not a master's, is
  // refused without being changed.
  Result<Db> copy = OpenDb(part, SQLITE_OPEN_READONLY);
  if (!copy.ok()) return copy.status();
  Result<std::optional<std::string>> value = ReadValue(copy->get(), kLogAppliedKey);
  if (!value.ok()) return value.status();
  if (!*value) return Status::Corruption("the copy holds no applied index");
  Result<uint64_t> index = DecodeAppliedIndex(**value);
  if (!index.ok()) return index.status();
  if (*index == 0) return Status::Corruption("the copy's applied index is 0");
  if (::access(db.c_str(), F_OK) != 0) return index;
  Result<Db> own = OpenDb(db, SQLITE_OPEN_READONLY);
  if (!own.ok()) return own.status();
  Result<uint64_t> own_epoch = ReadEpoch(own->get());
  Result<uint64_t> copy_epoch = ReadEpoch(copy->get());
  if (!own_epoch.ok()) return own_epoch.status();
  if (!copy_epoch.ok()) return copy_epoch.status();
  if (*own_epoch != 0 && *own_epoch != *copy_epoch) {
    return Status::InvalidArgument(
        "the leader's catalog (epoch " + std::to_string(*copy_epoch) +
        ") is another cluster's than this master's (epoch " + std::to_string(*own_epoch) +
        "): another cluster's state dir, or the wrong --etcd-prefix? Start it with an "
        "empty state dir to join this cluster");
  }
  return index;
}

}  // namespace

Result<std::pair<UniqueFd, uint64_t>> CopyCatalog(const std::string& db_path,
                                                  const std::string& dir) {
  std::string name = dir + "/catalog-copy-XXXXXX";
  UniqueFd fd(::mkostemp(name.data(), O_CLOEXEC));
  if (!fd.valid()) return Errno("cannot create a file in " + dir);
  // The descriptor keeps the copy; the name goes with this call, whatever
  // happens, so nothing is left behind.
  struct Unlink {
    const std::string& name;
    ~Unlink() { ::unlink(name.c_str()); }
  } unlink_at_return{name};
  Result<Db> source = OpenDb(db_path, SQLITE_OPEN_READONLY);
  if (!source.ok()) return source.status();
  Result<Db> target = OpenDb(name, SQLITE_OPEN_READWRITE);
  if (!target.ok()) return target.status();
  // One step for all pages: the copy is of one read transaction, while the
  // master's writer goes on (WAL mode).
  sqlite3_backup* backup =
      sqlite3_backup_init(target->get(), "main", source->get(), "main");
  if (backup == nullptr) return SqliteError("cannot copy " + db_path, target->get());
  const int step = sqlite3_backup_step(backup, -1);
  sqlite3_backup_finish(backup);
  if (step != SQLITE_DONE) return SqliteError("cannot copy " + db_path, target->get());
  // Out of WAL mode (the copied header says WAL): a file on its own, which
  // can be checked read-only with nothing written beside it.
  if (sqlite3_exec(target->get(), "PRAGMA journal_mode=DELETE", nullptr, nullptr,
                   nullptr) != SQLITE_OK) {
    return SqliteError("cannot copy " + db_path, target->get());
  }
  target->reset();  // closed: all of it is in the file
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Errno("cannot stat " + name);
  return std::make_pair(std::move(fd), static_cast<uint64_t>(st.st_size));
}

std::string PartialCatalogPath(const std::string& state_dir) {
  return state_dir + "/incoming.db.part";
}

std::string IncomingCatalogPath(const std::string& state_dir) {
  return state_dir + "/incoming.db";
}

Result<uint64_t> KeepDownloadedCatalog(const std::string& state_dir,
                                       const std::string& db_name) {
  const std::string part = PartialCatalogPath(state_dir);
  Result<uint64_t> applied = CheckCopy(part, state_dir + "/" + db_name);
  if (!applied.ok()) {
    for (const char* suffix : {"", "-wal", "-shm"}) RemoveIfThere(part + suffix);
    const std::string why =
        "the downloaded catalog is refused: " + applied.status().message();
    return applied.status().code() == Status::Code::kInvalidArgument
               ? Status::InvalidArgument(why)
               : Status::Corruption(why);
  }
  if (Status s = SyncPath(part); !s.ok()) return s;
  const std::string incoming = IncomingCatalogPath(state_dir);
  if (::rename(part.c_str(), incoming.c_str()) != 0)
    return Errno("cannot move " + part + " to " + incoming);
  if (Status s = SyncPath(state_dir); !s.ok()) return s;
  return applied;
}

Result<bool> InstallIncomingCatalog(const std::string& state_dir,
                                    const std::string& db_name) {
  const std::string incoming = IncomingCatalogPath(state_dir);
  if (::access(incoming.c_str(), F_OK) != 0) return false;
  const std::string db = state_dir + "/" + db_name;
  // The old database's WAL must not be replayed into the copy. A crash
  // between here and the rename finds the copy still waiting.
  for (const char* suffix : {"-wal", "-shm"}) {
    if (Status s = RemoveIfThere(db + suffix); !s.ok()) return s;
  }
  if (::rename(incoming.c_str(), db.c_str()) != 0)
    return Errno("cannot move " + incoming + " to " + db);
  if (Status s = SyncPath(state_dir); !s.ok()) return s;
  return true;
}

}  // namespace dds
