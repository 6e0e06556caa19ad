// SQLite-backed MetaStore; see sqlite_meta_store.h.
#include "runtime/sqlite_meta_store.h"

#include <sqlite3.h>

#include <tuple>
#include <utility>

#include "runtime/key_range.h"
#include "runtime/log.h"

namespace dds {
namespace {

void BindBlob(sqlite3_stmt* stmt, int index, std::string_view bytes) {
  // A zero-length blob must not be bound as NULL, or the key would vanish.
  sqlite3_bind_blob64(stmt, index, bytes.empty() ? "" : bytes.data(), bytes.size(),
                      SQLITE_TRANSIENT);
}

// Valid until the statement steps again or is reset.
std::string_view ColumnBlob(sqlite3_stmt* stmt, int column) {
  const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt, column));
  return std::string_view(data ? data : "",
                          static_cast<size_t>(sqlite3_column_bytes(stmt, column)));
}

}  // namespace

void SqliteMetaStore::StmtFree::operator()(sqlite3_stmt* stmt) const {
  sqlite3_finalize(stmt);
}

Status SqliteMetaStore::OpenConnection(const std::string& path, Connection* connection) {
  const int rc = sqlite3_open_v2(
      path.c_str(), &connection->db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) return Error(connection->db, "cannot open " + path);
  // Only another program could hold the write lock (the state dir is
  // locked against a second dds process): an sqlite3 shell, a backup. Wait
  // for it a while rather than fail at once.
  sqlite3_busy_timeout(connection->db, 10'000);
  return Status::Ok();
}

Result<std::unique_ptr<SqliteMetaStore>> SqliteMetaStore::Open(const std::string& path) {
  std::unique_ptr<SqliteMetaStore> store(new SqliteMetaStore());
  if (Status s = OpenConnection(path, &store->writer_); !s.ok()) return s;
  // WAL: a commit is an append, not a rewrite, and readers do not wait for
  // it. synchronous=FULL: each commit is fsynced, so a recorded entry
  // survives power loss, and commits are already one per batch of callbacks
  // (docs/runtime.md, group commit).
  for (const char* sql :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
        "CREATE TABLE IF NOT EXISTS kv(key BLOB PRIMARY KEY, value BLOB)",
        "CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, "
        "value INTEGER NOT NULL)"}) {
    if (Status s = Exec(store->writer_.db, sql); !s.ok()) return s;
  }
  if (Status s = OpenConnection(path, &store->reader_); !s.ok()) return s;
  if (Status s = Exec(store->reader_.db, "PRAGMA query_only=1"); !s.ok()) return s;
  if (Status s = store->Prepare(); !s.ok()) return s;
  return store;
}

SqliteMetaStore::~SqliteMetaStore() {
  if (has_writes()) {
    if (Status s = Commit(); !s.ok())
      Log("metadata: final commit failed: " + s.ToString());
  }
  for (Connection* connection : {&writer_, &reader_}) {
    connection->statements.clear();
    sqlite3_close(connection->db);
  }
}

Status SqliteMetaStore::Prepare() {
  const std::tuple<Connection*, sqlite3_stmt**, const char*> statements[] = {
      {&writer_, &put_, "INSERT OR REPLACE INTO kv(key, value) VALUES(?1, ?2)"},
      {&writer_, &delete_, "DELETE FROM kv WHERE key = ?1"},
      {&writer_, &increment_,
       "INSERT INTO counters(name, value) VALUES(?1, 1) "
       "ON CONFLICT(name) DO UPDATE SET value = value + 1"},
      {&writer_, &counter_, "SELECT value FROM counters WHERE name = ?1"},
      {&reader_, &get_, "SELECT value FROM kv WHERE key = ?1"},
      {&reader_, &scan_from_, "SELECT key, value FROM kv WHERE key >= ?1 ORDER BY key"},
      {&reader_, &scan_range_,
       "SELECT key, value FROM kv WHERE key >= ?1 AND key < ?2 ORDER BY key"},
  };
  for (const auto& [connection, stmt, sql] : statements) {
    if (sqlite3_prepare_v2(connection->db, sql, -1, stmt, nullptr) != SQLITE_OK) {
      return Error(connection->db, "prepare");
    }
    connection->statements.emplace_back(*stmt);
  }
  return Status::Ok();
}

Status SqliteMetaStore::Exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
    return Error(db, sql);
  return Status::Ok();
}

Status SqliteMetaStore::Error(sqlite3* db, std::string_view what) {
  const int code = db ? sqlite3_extended_errcode(db) : SQLITE_NOMEM;
  std::string message =
      "sqlite: " + std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
  if ((code & 0xff) == SQLITE_FULL) return Status::NoSpace(std::move(message));
  return Status::IOError(std::move(message));
}

Status SqliteMetaStore::Step(sqlite3* db, sqlite3_stmt* stmt, std::string_view what) {
  const int rc = sqlite3_step(stmt);
  Status s = rc == SQLITE_DONE ? Status::Ok() : Error(db, what);
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  return s;
}

void SqliteMetaStore::Write(std::string_view key, std::optional<std::string_view> value) {
  const bool began = batch_.empty();
  auto [it, inserted] = batch_.try_emplace(std::string(key));
  it->second = value ? std::optional<std::string>(*value) : std::nullopt;
  if (began && on_begin_) on_begin_();
}

Status SqliteMetaStore::Put(std::string_view key, std::string_view value) {
  Write(key, value);
  return Status::Ok();
}

Status SqliteMetaStore::Delete(std::string_view key) {
  Write(key, std::nullopt);
  return Status::Ok();
}

const std::optional<std::string>* SqliteMetaStore::Pending(std::string_view key) const {
  if (auto it = batch_.find(key); it != batch_.end()) return &it->second;
  if (committing_) {
    if (auto it = committing_->find(key); it != committing_->end()) return &it->second;
  }
  return nullptr;
}

Status SqliteMetaStore::Get(std::string_view key, std::string* value) {
  if (const std::optional<std::string>* pending = Pending(key)) {
    if (!*pending) return Status::NotFound(std::string(key));
    *value = **pending;
    return Status::Ok();
  }
  BindBlob(get_, 1, key);
  const int rc = sqlite3_step(get_);
  Status s = Status::Ok();
  if (rc == SQLITE_ROW) {
    *value = std::string(ColumnBlob(get_, 0));
  } else if (rc == SQLITE_DONE) {
    s = Status::NotFound(std::string(key));
  } else {
    s = Error(reader_.db, "get");
  }
  sqlite3_reset(get_);
  sqlite3_clear_bindings(get_);
  return s;
}

Status SqliteMetaStore::Scan(std::string_view prefix, const Visitor& visit) {
  // The pending writes under the prefix, the current batch's over the
  // committing one's, merged into the database's rows as they stream by.
  std::map<std::string_view, const std::optional<std::string>*> pending;
  for (const Batch* batch : {committing_.get(), static_cast<const Batch*>(&batch_)}) {
    if (batch == nullptr) continue;
    for (auto it = batch->lower_bound(prefix);
         it != batch->end() && it->first.starts_with(prefix); ++it) {
      pending[it->first] = &it->second;
    }
  }
  auto next = pending.begin();
  // Visits the pending writes with keys before `key` (all, if null).
  auto visit_pending_before = [&](const std::string_view* key) {
    for (; next != pending.end() && (key == nullptr || next->first < *key); ++next) {
      if (*next->second) visit(next->first, **next->second);
    }
  };
  const std::string end = PrefixEnd(prefix);
  sqlite3_stmt* stmt = end.empty() ? scan_from_ : scan_range_;
  BindBlob(stmt, 1, prefix);
  if (!end.empty()) BindBlob(stmt, 2, end);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const std::string_view key = ColumnBlob(stmt, 0);
    visit_pending_before(&key);
    if (next != pending.end() && next->first == key) {
      if (*next->second) visit(key, **next->second);
      ++next;
    } else {
      visit(key, ColumnBlob(stmt, 1));
    }
  }
  Status s = rc == SQLITE_DONE ? Status::Ok() : Error(reader_.db, "scan");
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  if (s.ok()) visit_pending_before(nullptr);
  return s;
}

std::shared_ptr<const SqliteMetaStore::Batch> SqliteMetaStore::TakeBatch() {
  if (batch_.empty()) return nullptr;
  committing_ = std::make_shared<const Batch>(std::exchange(batch_, {}));
  return committing_;
}

Status SqliteMetaStore::CommitBatch(const Batch& batch) {
  sqlite3* db = writer_.db;
  if (Status s = Exec(db, "BEGIN IMMEDIATE"); !s.ok()) return s;
  Status s = Status::Ok();
  for (auto it = batch.begin(); s.ok() && it != batch.end(); ++it) {
    const auto& [key, value] = *it;
    if (value) {
      BindBlob(put_, 1, key);
      BindBlob(put_, 2, *value);
      s = Step(db, put_, "put");
    } else {
      BindBlob(delete_, 1, key);
      s = Step(db, delete_, "delete");
    }
  }
  if (s.ok()) s = Exec(db, "COMMIT");
  // Leave no half-open transaction behind.
  if (!s.ok()) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  return s;
}

Status SqliteMetaStore::Commit() {
  std::shared_ptr<const Batch> batch = TakeBatch();
  Status s = batch ? CommitBatch(*batch) : Status::Ok();
  CommitDone();
  return s;
}

Result<uint64_t> SqliteMetaStore::Increment(std::string_view counter) {
  sqlite3* db = writer_.db;
  if (Status s = Exec(db, "BEGIN IMMEDIATE"); !s.ok()) return s;
  sqlite3_bind_text(increment_, 1, counter.data(), static_cast<int>(counter.size()),
                    SQLITE_TRANSIENT);
  Status s = Step(db, increment_, "increment");
  if (s.ok()) s = Exec(db, "COMMIT");
  if (!s.ok()) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return s;
  }
  sqlite3_bind_text(counter_, 1, counter.data(), static_cast<int>(counter.size()),
                    SQLITE_TRANSIENT);
  const bool found = sqlite3_step(counter_) == SQLITE_ROW;
  const auto value = found ? static_cast<uint64_t>(sqlite3_column_int64(counter_, 0)) : 0;
  sqlite3_reset(counter_);
  sqlite3_clear_bindings(counter_);
  if (!found) return Error(db, "read counter");
  return value;
}

}  // namespace dds
