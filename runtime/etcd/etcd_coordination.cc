// The coordination seam over etcd; see etcd_coordination.h.
#include "runtime/etcd/etcd_coordination.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <utility>

#include "core/wire.h"
#include "runtime/key_range.h"

namespace dds {
namespace {

// Records read from the log in one call to etcd, at most.
constexpr int64_t kRecordsPerRead = 16;
// A cluster has a few masters; more applied records than this are refused
// rather than trimming by a part of them.
constexpr int64_t kMaxMasters = 1024;

// The workers' completions run as they are: the answers to the process go
// through the EtcdCoordination's own `deliver`.
void RunHere(const std::function<void()>& then) { then(); }

}  // namespace

EtcdCoordination::EtcdCoordination(boost::asio::io_context& io, EtcdOptions options,
                                   DiskWorkers::Deliver deliver)
    : io_(io),
      options_(std::move(options)),
      deliver_(std::move(deliver)),
      campaign_client_(options_.endpoints, options_.deadline),
      request_client_(options_.endpoints, options_.deadline),
      flush_client_(options_.endpoints, options_.deadline),
      pace_(io),
      campaign_thread_(io, 1, RunHere),
      request_thread_(io, 1, RunHere) {}

EtcdCoordination::~EtcdCoordination() {
  *alive_ = false;
  pace_.cancel();
}

std::string EtcdCoordination::LogKey(uint64_t index) const {
  char digits[21];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(index));
  return Key("log/") + digits;
}

void EtcdCoordination::Campaign(const Candidate& self,
                                std::function<void(uint64_t term)> elected,
                                std::function<void()> deposed) {
  campaign_ = std::make_unique<Campaigner>();
  campaign_->self = self;
  campaign_->elected = std::move(elected);
  campaign_->deposed = std::move(deposed);
  Step();
}

void EtcdCoordination::After(std::chrono::steady_clock::duration delay) {
  pace_.expires_after(delay);
  // A wait that expired just before the destructor cancelled it still runs,
  // with no error: the flag tells it this object is gone.
  pace_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (!ec && *alive) Step();
  });
}

void EtcdCoordination::Step() {
  if (!campaign_) return;
  struct Outcome {
    Status status;
    int64_t lease = 0;
    bool lease_gone = false;
    bool won = false;
    uint64_t term = 0;
    std::chrono::steady_clock::time_point asked;
  };
  auto outcome = std::make_shared<Outcome>();
  campaign_thread_.Run(
      [this, outcome, lease = campaign_->lease, term = campaign_->term,
       value = EncodeRecord(campaign_->self)](const std::atomic<bool>&) {
        // The lease counts from before the call: etcd may have renewed it
        // any time after this.
        outcome->asked = std::chrono::steady_clock::now();
        Result<int64_t> held =
            lease != 0 ? lease : campaign_client_.GrantLease(options_.lease_ttl);
        if (held.ok() && lease != 0) {
          Result<std::chrono::seconds> kept = campaign_client_.KeepAlive(lease);
          if (!kept.ok()) held = kept.status();
        }
        if (!held.ok()) {
          outcome->status = held.status();
          outcome->lease_gone = held.status().IsNotFound();
          return;
        }
        outcome->lease = *held;
        if (term != 0) return;  // leading: the keep-alive was all
        Result<etcd::TxnResult> txn = campaign_client_.Txn(
            {{Key("leader"), etcd::Compare::Target::kCreateRevision, 0, ""}},
            {{etcd::Op::Kind::kPut, Key("leader"), value, *held, ""}}, {});
        if (!txn.ok()) {
          outcome->status = txn.status();
          return;
        }
        outcome->won = txn->succeeded;
        // The put's revision: the key's create_revision, the term.
        outcome->term = static_cast<uint64_t>(txn->revision);
      },
      [this, outcome] {
        if (!campaign_) return;
        Campaigner& c = *campaign_;
        if (outcome->status.ok()) {
          c.lease = outcome->lease;
          c.renewed = outcome->asked;
          if (outcome->won && c.term == 0) {
            c.term = outcome->term;
            deliver_([elected = c.elected, term = c.term] { elected(term); });
          }
        } else if (c.term != 0 && (outcome->lease_gone ||
                                   outcome->asked - c.renewed >= options_.lease_ttl)) {
          std::function<void()> deposed = std::move(c.deposed);
          campaign_.reset();
          deliver_(deposed);
          return;
        } else if (outcome->lease_gone) {
          c.lease = 0;  // expired while waiting: a new one at the next try
        }
        After(options_.lease_ttl / 3);
      });
}

void EtcdCoordination::Resign() {
  if (!campaign_) return;
  const int64_t lease = campaign_->lease;
  campaign_.reset();
  pace_.cancel();
  if (lease == 0) return;
  // After any step in flight, on the campaign's own thread and client.
  campaign_thread_.Run(
      [this, lease](const std::atomic<bool>&) {
        (void)campaign_client_.RevokeLease(lease);
      },
      [] {});
}

void EtcdCoordination::ReadLeader(
    std::function<void(Result<std::optional<Leadership>>)> done) {
  auto answer = std::make_shared<Result<std::optional<Leadership>>>(std::nullopt);
  request_thread_.Run(
      [this, answer](const std::atomic<bool>&) {
        Result<etcd::RangeResult> range = request_client_.Range(Key("leader"));
        if (!range.ok()) {
          *answer = range.status();
          return;
        }
        if (range->kvs.empty()) return;
        Result<Candidate> leader = DecodeRecord<Candidate>(range->kvs[0].value);
        if (!leader.ok()) {
          *answer = Status::IOError("etcd: an unreadable leader key");
          return;
        }
        *answer = std::optional<Leadership>(Leadership{
            std::move(*leader), static_cast<uint64_t>(range->kvs[0].create_revision)});
      },
      [this, answer, done = std::move(done)] {
        deliver_([answer, done] { done(std::move(*answer)); });
      });
}

Result<bool> EtcdCoordination::AppendWith(etcd::Client& client, uint64_t term,
                                          const std::vector<LogRecord>& records) const {
  for (const LogRecord& record : records) {
    const std::string key = LogKey(record.index);
    Result<etcd::TxnResult> txn =
        client.Txn({{Key("leader"), etcd::Compare::Target::kCreateRevision,
                     static_cast<int64_t>(term), ""},
                    {key, etcd::Compare::Target::kCreateRevision, 0, ""}},
                   {{etcd::Op::Kind::kPut, key, EncodeRecord(record), 0, ""}}, {});
    if (!txn.ok()) return txn.status();
    if (!txn->succeeded) return false;
  }
  return true;
}

void EtcdCoordination::Append(uint64_t term, std::vector<LogRecord> records,
                              std::function<void(Result<bool>)> done) {
  auto answer = std::make_shared<Result<bool>>(true);
  request_thread_.Run(
      [this, answer, term, records = std::move(records)](const std::atomic<bool>&) {
        *answer = AppendWith(request_client_, term, records);
      },
      [this, answer, done = std::move(done)] {
        deliver_([answer, done] { done(*answer); });
      });
}

Result<std::optional<std::vector<LogRecord>>> EtcdCoordination::Cut(
    const MetaWrites& batch) {
  return CutNext(batch);
}

Result<bool> EtcdCoordination::AppendNow(const std::vector<LogRecord>& records) {
  return AppendWith(flush_client_, records.empty() ? 0 : records.front().term, records);
}

void EtcdCoordination::Read(uint64_t from, size_t max_bytes,
                            std::function<void(Result<std::vector<LogRecord>>)> done) {
  auto answer =
      std::make_shared<Result<std::vector<LogRecord>>>(std::vector<LogRecord>());
  request_thread_.Run(
      [this, answer, from, max_bytes](const std::atomic<bool>&) {
        Result<etcd::RangeResult> range = request_client_.Range(
            LogKey(from), etcd::RangeEnd(Key("log/")), kRecordsPerRead);
        if (!range.ok()) {
          *answer = range.status();
          return;
        }
        std::vector<LogRecord> records;
        size_t bytes = 0;
        for (const etcd::KeyValue& kv : range->kvs) {
          if (!records.empty() && bytes >= max_bytes) break;
          Result<LogRecord> record = DecodeRecord<LogRecord>(kv.value);
          // What etcd holds is checked like anything from outside: a record
          // must decode and sit under its own index.
          if (!record.ok() || kv.key != LogKey(record->index)) {
            *answer = Status::Corruption("etcd: an unreadable log record at " + kv.key);
            return;
          }
          bytes += record->fragment.size();
          records.push_back(std::move(*record));
        }
        *answer = std::move(records);
      },
      [this, answer, done = std::move(done)] {
        deliver_([answer, done] { done(std::move(*answer)); });
      });
}

void EtcdCoordination::Trim(uint64_t index, std::function<void(Status)> done) {
  auto answer = std::make_shared<Status>();
  request_thread_.Run(
      [this, answer, index](const std::atomic<bool>&) {
        Result<etcd::TxnResult> deleted = request_client_.Txn(
            {}, {{etcd::Op::Kind::kDeleteRange, Key("log/"), "", 0, LogKey(index + 1)}},
            {});
        *answer =
            deleted.ok() ? request_client_.Compact(deleted->revision) : deleted.status();
      },
      [this, answer, done = std::move(done)] {
        deliver_([answer, done] { done(*answer); });
      });
}

void EtcdCoordination::ReportApplied(const std::string& name, uint64_t index,
                                     std::function<void(Status)> done) {
  auto answer = std::make_shared<Status>();
  request_thread_.Run(
      [this, answer, key = Key("applied/" + name), index](const std::atomic<bool>&) {
        *answer =
            request_client_
                .Txn({}, {{etcd::Op::Kind::kPut, key, std::to_string(index), 0, ""}}, {})
                .status();
      },
      [this, answer, done = std::move(done)] {
        deliver_([answer, done] { done(*answer); });
      });
}

void EtcdCoordination::ReadLowestApplied(
    std::function<void(Result<std::optional<uint64_t>>)> done) {
  auto answer = std::make_shared<Result<std::optional<uint64_t>>>(std::nullopt);
  request_thread_.Run(
      [this, answer](const std::atomic<bool>&) {
        const std::string prefix = Key("applied/");
        Result<etcd::RangeResult> range =
            request_client_.Range(prefix, etcd::RangeEnd(prefix), kMaxMasters);
        if (!range.ok() || range->more) {
          *answer = range.ok()
                        ? Status::IOError("etcd: more applied records than masters")
                        : range.status();
          return;
        }
        std::optional<uint64_t> lowest;
        for (const etcd::KeyValue& kv : range->kvs) {
          uint64_t index = 0;
          const char* end = kv.value.data() + kv.value.size();
          if (kv.value.empty() ||
              std::from_chars(kv.value.data(), end, index).ptr != end) {
            *answer = Status::IOError("etcd: an unreadable " + kv.key);
            return;
          }
          lowest = lowest ? std::min(*lowest, index) : index;
        }
        *answer = lowest;
      },
      [this, answer, done = std::move(done)] {
        deliver_([answer, done] { done(std::move(*answer)); });
      });
}

}  // namespace dds
