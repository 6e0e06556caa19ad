// A synchronous client for etcd v3, through its JSON gateway (docs/ha.md,
// "The etcd client"): leases, ranges, transactions, deletes and history
// compaction, which is all dds's standby masters need of etcd.
//
// Every call has a deadline and blocks its thread until the answer or the
// deadline: it is for threads that may wait (the flush thread, a standby's
// follower), never for the io_context's. A call tries the endpoints in
// order, starting with the one that answered last, and moves on when one
// cannot be reached; an answer etcd gave (a failed compare, a lease not
// found) is final. Everything etcd sends is checked as untrusted input: a
// missing or mistyped field is an IOError, never a crash, and an answer is
// bounded by the HTTP client's limit (kMaxClientResponseBytes). Plain http
// endpoints only, for now: etcd's client TLS comes with the masters that
// use it.
//
// Not thread-safe: one client per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "runtime/http/url.h"

namespace dds::etcd {

struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t lease = 0;
};

// One compare of a transaction.
struct Compare {
  enum class Target { kCreateRevision, kModRevision, kValue };
  std::string key;
  Target target = Target::kCreateRevision;
  int64_t revision = 0;  // kCreateRevision, kModRevision: equal to this
  std::string value;     // kValue: equal to this
};

// One operation of a transaction.
struct Op {
  enum class Kind { kPut, kDeleteRange, kRange };
  Kind kind = Kind::kPut;
  std::string key;
  std::string value;      // kPut
  int64_t lease = 0;      // kPut: bound to this lease (0: none)
  std::string range_end;  // kDeleteRange, kRange: empty for `key` alone
};

struct RangeResult {
  std::vector<KeyValue> kvs;
  bool more = false;     // the limit cut the range short
  int64_t revision = 0;  // the store's revision the range was read at
};

struct TxnResult {
  bool succeeded = false;  // every compare held: the success ops ran
  int64_t revision = 0;    // the store's revision after the transaction
  // The kvs each kRange op found, in the order of the ops that ran.
  std::vector<std::vector<KeyValue>> ranges;
};

// The range end that covers every key starting with `prefix`
// (runtime/key_range.h), in etcd's terms: "\0" for an empty prefix, which
// with the key "\0" is every key there is (etcd refuses an empty key).
std::string RangeEnd(std::string_view prefix);

class Client {
 public:
  // `endpoints`: etcd's client URLs ("http://127.0.0.1:2379"); not empty.
  Client(std::vector<http::BaseUrl> endpoints, std::chrono::milliseconds deadline);

  // A new lease of `ttl`; its id.
  Result<int64_t> GrantLease(std::chrono::seconds ttl);
  // Renews `lease`; the time it has left. NotFound if it has expired.
  Result<std::chrono::seconds> KeepAlive(int64_t lease);
  Status RevokeLease(int64_t lease);

  // The keys in [key, range_end) (`key` alone if range_end is empty), in
  // key order, at most `limit` of them (0: no limit).
  Result<RangeResult> Range(std::string_view key, std::string_view range_end = {},
                            int64_t limit = 0);
  Result<TxnResult> Txn(const std::vector<Compare>& compares,
                        const std::vector<Op>& success, const std::vector<Op>& failure);
  // Forgets the history before `revision` (etcd's compaction).
  Status Compact(int64_t revision);

 private:
  // POSTs `body` to `path` on an endpoint; the answer's body.
  Result<std::string> Call(std::string_view path, const std::string& body);

  std::vector<http::BaseUrl> endpoints_;
  std::chrono::milliseconds deadline_;
  size_t current_ = 0;  // the endpoint that answered last
};

}  // namespace dds::etcd
