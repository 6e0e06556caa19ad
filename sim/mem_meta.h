// A process's durable key-value state (dds::MetaStore) in memory. It belongs
// to the simulated machine, so it outlives crashes of the process using it.
//
// Transactions, as the runtime's group commit has them (docs/runtime.md):
// with an on_begin hook set, the first write after a commit opens a
// transaction (and calls the hook, which schedules the flush), and the
// writes made since can be undone by Rollback, as a crash before the flush
// undoes them. Without a hook every write is durable at once.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/env.h"
#include "core/meta_log.h"

namespace dds::sim {

class MemMetaStore final : public MetaStore {
 public:
  Status Put(std::string_view key, std::string_view value) override;
  Status Delete(std::string_view key) override;
  Status Get(std::string_view key, std::string* value) override;
  Status Scan(std::string_view prefix, const Visitor& visit) override;

  void set_on_begin(std::function<void()> on_begin) { on_begin_ = std::move(on_begin); }
  bool in_transaction() const { return in_transaction_; }
  // The writes since the last commit, as they stand: what a leading
  // master's flush logs (World::Flush).
  MetaWrites Pending();
  void Commit();
  // Becomes `other` as last committed (its writes since undone): the copy
  // of the leader's catalog a master behind the log installs. REQUIRES: no
  // hook set (the process that uses this store is down).
  void CopyCommitted(const MemMetaStore& other);
  // Undoes every write since the last commit: a crash. The hook goes too
  // (the restarted process's Env sets its own).
  void Rollback();

 private:
  struct Undo {
    std::string key;
    std::optional<std::string> before;  // none: the key was absent
  };
  // Before a write to `key`: remembers its value, within a transaction.
  void Remember(std::string_view key);

  // Keys are split after their first '/' ("local/" + "data/f1.bin"; a key
  // without one is all head): the processes' keys share a few long heads, so
  // a lookup compares short tails, which fit in the string itself, instead of
  // following a pointer to the whole key at every level. No head is a prefix
  // of another (or ends where a slash-free key does), so walking heads, then
  // tails, in order gives the keys in order.
  using Tails = std::map<std::string, std::string, std::less<>>;
  static std::pair<std::string_view, std::string_view> Split(std::string_view key);

  std::map<std::string, Tails, std::less<>> heads_;
  std::function<void()> on_begin_;
  bool in_transaction_ = false;
  std::vector<Undo> undo_;  // oldest first
};

}  // namespace dds::sim
