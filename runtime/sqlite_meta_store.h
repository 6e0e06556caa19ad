// dds::MetaStore on SQLite: one table kv(key BLOB PRIMARY KEY, value BLOB).
//
// Durability contract (core/env.h): a Put is durable once the current Process
// callback returns, as far as anyone outside the process can tell. Writes
// therefore wait in memory, in the current batch, and the Env commits a
// whole batch at once (runtime/group_commit.h), before any message that
// could depend on it leaves, so a burst of callbacks recording thousands of
// entries costs one commit. The commit runs on another thread so that the
// loop never waits for its fsync: TakeBatch hands the batch over, CommitBatch
// writes it in one transaction on the writer connection, CommitDone forgets
// it. Meanwhile the loop reads through its own connection, with the batch
// being committed and the current one laid over what that connection sees:
// its reads always see its own writes. The database runs in WAL mode, where
// readers and the writer do not block each other; see docs/runtime.md for
// what survives which crash.
//
// Not thread-safe: used from the io_context thread, except CommitBatch,
// which runs on one other thread while the io_context's thread reads and
// writes (but does not take, commit or increment).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/env.h"
#include "core/meta_log.h"

struct sqlite3;
struct sqlite3_stmt;

namespace dds {

class SqliteMetaStore final : public MetaStore {
 public:
  // The writes of one batch (only the last write to a key is committed):
  // what a leader master logs for its standbys (core/meta_log.h).
  using Batch = MetaWrites;

  // Opens or creates the database file at `path`.
  static Result<std::unique_ptr<SqliteMetaStore>> Open(const std::string& path);
  // Commits the current batch, if any (a clean stop). REQUIRES: no batch is
  // being committed.
  ~SqliteMetaStore() override;
  SqliteMetaStore(const SqliteMetaStore&) = delete;
  SqliteMetaStore& operator=(const SqliteMetaStore&) = delete;

  Status Put(std::string_view key, std::string_view value) override;
  Status Delete(std::string_view key) override;
  Status Get(std::string_view key, std::string* value) override;
  Status Scan(std::string_view prefix, const Visitor& visit) override;

  // The commit in three steps. TakeBatch: the writes so far become the
  // batch being committed (null if there were none), and later writes
  // start the next one. REQUIRES: no batch is being committed.
  std::shared_ptr<const Batch> TakeBatch();
  // Writes `batch` in one transaction and commits it (fsynced); on failure
  // nothing of it is written, and the caller must treat that as fatal. On
  // any one thread (see the top of the file).
  Status CommitBatch(const Batch& batch);
  // Back on the io_context's thread once CommitBatch returned: the batch is
  // in the database, or lost with the process.
  void CommitDone() { committing_.reset(); }
  // All three, here and now.
  Status Commit();
  // Whether writes wait for a commit.
  bool has_writes() const { return !batch_.empty(); }
  // The writes waiting for the next TakeBatch.
  const Batch& pending() const { return batch_; }
  // Called when a write starts a batch. The Env uses it to schedule a
  // flush, so writes made outside AsioEnv::Call (an HTTP handler calling
  // Master::Remove) are committed soon after that handler returns.
  void set_on_begin(std::function<void()> on_begin) { on_begin_ = std::move(on_begin); }
  // Adds one to the named counter (kept outside the core's key space) and
  // commits; returns the new value. Used for the master's incarnation.
  // REQUIRES: no batch is being committed.
  Result<uint64_t> Increment(std::string_view counter);

 private:
  struct StmtFree {
    void operator()(sqlite3_stmt* stmt) const;
  };
  using Stmt = std::unique_ptr<sqlite3_stmt, StmtFree>;
  // One database connection and the statements prepared on it.
  struct Connection {
    sqlite3* db = nullptr;
    std::vector<Stmt> statements;
  };

  SqliteMetaStore() = default;
  static Status OpenConnection(const std::string& path, Connection* connection);
  Status Prepare();
  static Status Exec(sqlite3* db, const char* sql);
  static Status Error(sqlite3* db, std::string_view what);
  // Records a write in the current batch.
  void Write(std::string_view key, std::optional<std::string_view> value);
  // The pending write to `key` (current batch, then the one being
  // committed), or null if there is none.
  const std::optional<std::string>* Pending(std::string_view key) const;
  // Runs a statement whose parameters are bound to its end, then resets it.
  static Status Step(sqlite3* db, sqlite3_stmt* stmt, std::string_view what);

  Connection writer_;  // commits, on the thread CommitBatch runs on
  Connection reader_;  // the io_context's reads
  sqlite3_stmt* put_ = nullptr;
  sqlite3_stmt* delete_ = nullptr;
  sqlite3_stmt* increment_ = nullptr;
  sqlite3_stmt* counter_ = nullptr;
  sqlite3_stmt* get_ = nullptr;
  sqlite3_stmt* scan_from_ = nullptr;
  sqlite3_stmt* scan_range_ = nullptr;
  Batch batch_;
  std::shared_ptr<const Batch> committing_;
  std::function<void()> on_begin_;
};

}  // namespace dds
