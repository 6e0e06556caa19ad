// SQLite-backed MetaStore; see sqlite_meta_store.h.
#include "runtime/sqlite_meta_store.h"

#include <sqlite3.h>

#include "runtime/log.h"

namespace dds {
namespace {

// The smallest key greater than every key starting with `prefix`, or empty
// when there is none (prefix empty or all 0xff).
std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last != 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return end;
}

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

Result<std::unique_ptr<SqliteMetaStore>> SqliteMetaStore::Open(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      nullptr);
  std::unique_ptr<SqliteMetaStore> store(new SqliteMetaStore(db));
  if (rc != SQLITE_OK) return store->Error("cannot open " + path);
  // WAL: a commit is an append, not a rewrite. synchronous=FULL: each commit
  // is fsynced, so a recorded entry survives power loss, and commits are
  // already one per batch of callbacks (docs/runtime.md, group commit).
  for (const char* sql :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
        "CREATE TABLE IF NOT EXISTS kv(key BLOB PRIMARY KEY, value BLOB)",
        "CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, "
        "value INTEGER NOT NULL)"}) {
    if (Status s = store->Exec(sql); !s.ok()) return s;
  }
  if (Status s = store->Prepare(); !s.ok()) return s;
  return store;
}

SqliteMetaStore::~SqliteMetaStore() {
  if (in_transaction_) {
    if (Status s = Commit(); !s.ok())
      Log("metadata: final commit failed: " + s.ToString());
  }
  put_.reset();
  delete_.reset();
  get_.reset();
  scan_from_.reset();
  scan_range_.reset();
  increment_.reset();
  counter_.reset();
  sqlite3_close(db_);
}

Status SqliteMetaStore::Prepare() {
  const std::pair<Stmt*, const char*> statements[] = {
      {&put_, "INSERT OR REPLACE INTO kv(key, value) VALUES(?1, ?2)"},
      {&delete_, "DELETE FROM kv WHERE key = ?1"},
      {&get_, "SELECT value FROM kv WHERE key = ?1"},
      {&scan_from_, "SELECT key, value FROM kv WHERE key >= ?1 ORDER BY key"},
      {&scan_range_,
       "SELECT key, value FROM kv WHERE key >= ?1 AND key < ?2 ORDER BY key"},
      {&increment_,
       "INSERT INTO counters(name, value) VALUES(?1, 1) "
       "ON CONFLICT(name) DO UPDATE SET value = value + 1"},
      {&counter_, "SELECT value FROM counters WHERE name = ?1"},
  };
  for (const auto& [stmt, sql] : statements) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &raw, nullptr) != SQLITE_OK) {
      return Error("prepare");
    }
    stmt->reset(raw);
  }
  return Status::Ok();
}

Status SqliteMetaStore::Exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return Error(sql);
  return Status::Ok();
}

Status SqliteMetaStore::Error(std::string_view what) const {
  const int code = db_ ? sqlite3_extended_errcode(db_) : SQLITE_NOMEM;
  std::string message = "sqlite: " + std::string(what) + ": " +
                        (db_ ? sqlite3_errmsg(db_) : "out of memory");
  if ((code & 0xff) == SQLITE_FULL) return Status::NoSpace(std::move(message));
  return Status::IOError(std::move(message));
}

Status SqliteMetaStore::BeginIfNeeded() {
  if (in_transaction_) return Status::Ok();
  if (Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  in_transaction_ = true;
  if (on_begin_) on_begin_();
  return Status::Ok();
}

Status SqliteMetaStore::Commit() {
  if (!in_transaction_) return Status::Ok();
  Status s = Exec("COMMIT");
  if (!s.ok()) {
    // Leave no half-open transaction behind; the writes since the last
    // commit are lost, which the caller must treat as fatal.
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  in_transaction_ = false;
  return s;
}

Status SqliteMetaStore::Step(sqlite3_stmt* stmt, std::string_view what) {
  const int rc = sqlite3_step(stmt);
  Status s = rc == SQLITE_DONE ? Status::Ok() : Error(what);
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  return s;
}

Status SqliteMetaStore::Put(std::string_view key, std::string_view value) {
  if (Status s = BeginIfNeeded(); !s.ok()) return s;
  BindBlob(put_.get(), 1, key);
  BindBlob(put_.get(), 2, value);
  return Step(put_.get(), "put");
}

Status SqliteMetaStore::Delete(std::string_view key) {
  if (Status s = BeginIfNeeded(); !s.ok()) return s;
  BindBlob(delete_.get(), 1, key);
  return Step(delete_.get(), "delete");
}

Status SqliteMetaStore::Get(std::string_view key, std::string* value) {
  sqlite3_stmt* stmt = get_.get();
  BindBlob(stmt, 1, key);
  const int rc = sqlite3_step(stmt);
  Status s = Status::Ok();
  if (rc == SQLITE_ROW) {
    *value = std::string(ColumnBlob(stmt, 0));
  } else if (rc == SQLITE_DONE) {
    s = Status::NotFound(std::string(key));
  } else {
    s = Error("get");
  }
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  return s;
}

Status SqliteMetaStore::Scan(std::string_view prefix, const Visitor& visit) {
  const std::string end = PrefixEnd(prefix);
  sqlite3_stmt* stmt = end.empty() ? scan_from_.get() : scan_range_.get();
  BindBlob(stmt, 1, prefix);
  if (!end.empty()) BindBlob(stmt, 2, end);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    visit(ColumnBlob(stmt, 0), ColumnBlob(stmt, 1));
  }
  Status s = rc == SQLITE_DONE ? Status::Ok() : Error("scan");
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  return s;
}

Result<uint64_t> SqliteMetaStore::Increment(std::string_view counter) {
  if (Status s = BeginIfNeeded(); !s.ok()) return s;
  sqlite3_bind_text(increment_.get(), 1, counter.data(), static_cast<int>(counter.size()),
                    SQLITE_TRANSIENT);
  if (Status s = Step(increment_.get(), "increment"); !s.ok()) return s;
  if (Status s = Commit(); !s.ok()) return s;
  sqlite3_stmt* stmt = counter_.get();
  sqlite3_bind_text(stmt, 1, counter.data(), static_cast<int>(counter.size()),
                    SQLITE_TRANSIENT);
  const bool found = sqlite3_step(stmt) == SQLITE_ROW;
  const auto value = found ? static_cast<uint64_t>(sqlite3_column_int64(stmt, 0)) : 0;
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  if (!found) return Error("read counter");
  return value;
}

}  // namespace dds
