// The coordination seam (core/coordination.h) over etcd: what standby
// masters need of etcd, asynchronous for the core (docs/ha.md, "What etcd
// holds").
//
// Under a prefix: `leader`, the election key, bound to the leader's lease,
// whose value is the leader's Candidate and whose create_revision is its
// term; and `log/<index>` (20 digits, so that key order is index order),
// one LogRecord each; `applied/<master>`, how far that master has applied
// the log (decimal), which bounds trimming. An append is one transaction per record, made
// only while the leader key's create_revision is the appender's term and the index is
// free.
//
// Blocking calls to etcd run on two threads of their own (runtime/
// disk_workers.h), each with its own etcd::Client: one for the campaign and
// its lease's keep-alives, which must never wait behind a large read, one
// for everything else. Answers come back on the io_context through
// `deliver`, as callbacks into the process. The campaign is paced by timers
// on the io_context: a try (with a keep-alive of the lease held meanwhile)
// every third of the TTL while someone else leads, a keep-alive as often
// once elected. A leader is deposed when etcd says its lease is gone, or
// when it could not renew it for a whole TTL.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/coordination.h"
#include "runtime/batch_log.h"
#include "runtime/disk_workers.h"
#include "runtime/etcd/etcd_client.h"
#include "runtime/http/url.h"

namespace dds {

struct EtcdOptions {
  std::vector<http::BaseUrl> endpoints;
  std::string prefix = "/dds/default/";
  std::chrono::seconds lease_ttl{3};
  std::chrono::milliseconds deadline{2000};  // of each call to etcd
};

class EtcdCoordination final : public CoordinationLog {
 public:
  // `deliver` runs an answer as a callback into the process (AsioEnv::Call).
  EtcdCoordination(boost::asio::io_context& io, EtcdOptions options,
                   DiskWorkers::Deliver deliver);
  // Stops the threads; answers not yet delivered are dropped. A lease held
  // is left to expire (a crash does the same) unless Resign gave it up.
  ~EtcdCoordination() override;
  EtcdCoordination(const EtcdCoordination&) = delete;
  EtcdCoordination& operator=(const EtcdCoordination&) = delete;

  void Campaign(const Candidate& self, std::function<void(uint64_t term)> elected,
                std::function<void()> deposed) override;
  void Resign() override;
  void ReadLeader(std::function<void(Result<std::optional<Leadership>>)> done) override;
  void Append(uint64_t term, std::vector<LogRecord> records,
              std::function<void(Result<bool>)> done) override;
  void Read(uint64_t from, size_t max_bytes,
            std::function<void(Result<std::vector<LogRecord>>)> done) override;
  // Deletes the records, then compacts etcd's history up to that delete:
  // nothing reads older revisions (followers range-read, they do not watch).
  void Trim(uint64_t index, std::function<void(Status)> done) override;
  void ReportApplied(const std::string& name, uint64_t index,
                     std::function<void(Status)> done) override;
  void ReadLowestApplied(
      std::function<void(Result<std::optional<uint64_t>>)> done) override;

  // BatchLog, for the leader's flush: from where Lead left the log, as its
  // term; AppendNow on the flush thread, with a client of its own.
  Result<std::optional<std::vector<LogRecord>>> Cut(const MetaWrites& batch) override;
  Result<bool> AppendNow(const std::vector<LogRecord>& records) override;

 private:
  // The campaign's state, on the io_context's thread.
  struct Campaigner {
    Candidate self;
    std::function<void(uint64_t)> elected;
    std::function<void()> deposed;
    int64_t lease = 0;
    uint64_t term = 0;  // 0 until elected
    std::chrono::steady_clock::time_point renewed;
  };
  // One step of the campaign, then the next after a third of the TTL.
  void Step();
  void After(std::chrono::steady_clock::duration delay);

  // Appends `records` through `client` as `term`: false if one is refused.
  Result<bool> AppendWith(etcd::Client& client, uint64_t term,
                          const std::vector<LogRecord>& records) const;
  std::string Key(std::string_view name) const {
    return options_.prefix + std::string(name);
  }
  std::string LogKey(uint64_t index) const;

  boost::asio::io_context& io_;
  const EtcdOptions options_;
  const DiskWorkers::Deliver deliver_;
  etcd::Client campaign_client_;  // used on campaign_thread_ only
  etcd::Client request_client_;   // used on request_thread_ only
  etcd::Client flush_client_;     // used by AppendNow, on the flush thread
  std::unique_ptr<Campaigner> campaign_;
  boost::asio::steady_timer pace_;
  const std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for pace_'s waits
  // Last: they go first, joining their threads while the above is still here.
  DiskWorkers campaign_thread_;
  DiskWorkers request_thread_;
};

}  // namespace dds
