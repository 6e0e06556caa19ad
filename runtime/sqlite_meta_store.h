// dds::MetaStore on SQLite: one table kv(key BLOB PRIMARY KEY, value BLOB).
//
// Durability contract (core/env.h): a Put is durable once the current Process
// callback returns, as far as anyone outside the process can tell. Writes
// therefore open a transaction lazily and the Env commits it at its next
// flush (AsioEnv::Flush, once per batch of callbacks, before any message
// that could depend on it leaves), so a burst of callbacks recording
// thousands of entries costs one commit. The database runs in WAL mode; see
// docs/runtime.md for what survives which crash.
//
// Not thread-safe: used from the io_context thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/env.h"

struct sqlite3;
struct sqlite3_stmt;

namespace dds {

class SqliteMetaStore final : public MetaStore {
 public:
  // Opens or creates the database file at `path`.
  static Result<std::unique_ptr<SqliteMetaStore>> Open(const std::string& path);
  ~SqliteMetaStore() override;
  SqliteMetaStore(const SqliteMetaStore&) = delete;
  SqliteMetaStore& operator=(const SqliteMetaStore&) = delete;

  Status Put(std::string_view key, std::string_view value) override;
  Status Delete(std::string_view key) override;
  Status Get(std::string_view key, std::string* value) override;
  Status Scan(std::string_view prefix, const Visitor& visit) override;

  // Commits the open transaction, if any.
  Status Commit();
  // Whether writes wait for Commit().
  bool in_transaction() const { return in_transaction_; }
  // Called when a write opens a transaction. The Env uses it to schedule a
  // flush, so writes made outside AsioEnv::Call (an HTTP handler calling
  // Master::Remove) are committed soon after that handler returns.
  void set_on_begin(std::function<void()> on_begin) { on_begin_ = std::move(on_begin); }
  // Adds one to the named counter (kept outside the core's key space) and
  // commits; returns the new value. Used for the master's incarnation.
  Result<uint64_t> Increment(std::string_view counter);

 private:
  struct StmtFree {
    void operator()(sqlite3_stmt* stmt) const;
  };
  using Stmt = std::unique_ptr<sqlite3_stmt, StmtFree>;

  explicit SqliteMetaStore(sqlite3* db) : db_(db) {}
  Status Prepare();
  Status Exec(const char* sql);
  Status BeginIfNeeded();
  // Runs a write statement whose parameters are bound, then resets it.
  Status Step(sqlite3_stmt* stmt, std::string_view what);
  Status Error(std::string_view what) const;

  sqlite3* db_;
  Stmt put_, delete_, get_, scan_from_, scan_range_, increment_, counter_;
  bool in_transaction_ = false;
  std::function<void()> on_begin_;
};

}  // namespace dds
