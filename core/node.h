// The node state machine: keeps the node's data directory equal to the
// catalog. Sans-I/O: it reacts to messages, timers and file events, and acts
// only through its Env.
//
// What it does, by event:
//  * start: loads its local index, scans the disk (re-hashing only files whose
//    size or mtime changed), registers with its whole inventory;
//  * a file appears or changes on disk: hashes it and reports it at once;
//  * a file disappears from disk: damage; it is pulled back from a peer;
//  * the catalog moves (push from the master): pulls the new version, in
//    chunks, from any live holder; verifies the digest before publishing;
//    applies tombstones;
//  * a peer asks for a chunk: serves it from a verified, recorded file only;
//  * timers: heartbeats (with an inventory digest, the anti-entropy check),
//    a periodic full scan (safety net for missed file events), and a scrub
//    that re-hashes files at a bounded rate to find silent corruption.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/catalog.h"
#include "core/codec.h"
#include "core/env.h"

namespace dds {

// Deliberate misbehaviour, for tests that prove the simulator's checkers can
// fail. Never set outside tests.
enum class TestFault {
  kNone,
  kSkipVerify,        // publishes a download without checking its digest
  kNeverRestore,      // ignores files deleted from its disk
  kIgnoreTombstones,  // keeps files the catalog has deleted
};

struct NodeOptions {
  std::string name;
  std::string http_address;  // where it serves files over HTTP (may be empty)
  Address master;

  Duration heartbeat_interval = std::chrono::seconds(1);
  // No answer from the master for this long: re-register.
  Duration master_timeout = std::chrono::seconds(4);
  // Full re-listing of the data dir (safety net for missed file events).
  Duration scan_interval = std::chrono::seconds(30);
  // Scrub: re-hash stored files at this rate to find silent corruption.
  // At 8 MiB/s a node holding 1 GiB re-reads all of it every ~2 minutes.
  uint64_t scrub_bytes_per_second = 8ull << 20;
  Duration scrub_interval = std::chrono::seconds(1);

  size_t max_concurrent_pulls = 8;
  size_t chunks_in_flight = 8;  // per pull, spread over its sources
  // A holder that leaves a chunk request unanswered this long is dropped
  // from the pull (its chunks go to the other holders).
  Duration fetch_timeout = std::chrono::seconds(5);
  Duration retry_delay = std::chrono::milliseconds(500);
  // After a full disk, pulls are tried again this often (a pull that still
  // finds no space pauses them again at once).
  Duration disk_full_retry = std::chrono::seconds(5);
  // Changes the master has not acknowledged are re-sent after this long.
  Duration change_resend = std::chrono::seconds(2);

  TestFault test_fault = TestFault::kNone;
};

class Node final : public Process {
 public:
  Node(Env* env, NodeOptions options);
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  void Start() override;
  void OnMessage(const Address& from, const Message& message) override;
  void OnTimer(TimerId id) override;
  void OnPeerLost(const Address& peer) override;
  // Something happened to `path` in the data dir (created, written, removed).
  void OnFileEvent(const std::string& path);

  // The verified, recorded version this node may serve for `path`, if any.
  // Never an unacknowledged local change, never a partial download.
  std::optional<Holding> Servable(const std::string& path) const;
  const Catalog& catalog() const { return catalog_; }
  bool registered() const { return registered_; }
  size_t active_pulls() const { return pulls_.size(); }
  size_t wanted_paths() const { return wanted_.size(); }
  const std::string& name() const { return options_.name; }

 private:
  static constexpr TimerId kHeartbeatTimer = 1;
  static constexpr TimerId kScanTimer = 2;
  static constexpr TimerId kScrubTimer = 3;
  // Durable state in the MetaStore: the local index, the last catalog heard
  // and the known peers (the last two let the node repair itself while the
  // master is down).
  static constexpr std::string_view kLocalKeyPrefix = "local/";
  static constexpr std::string_view kCatalogKeyPrefix = "catalog/";
  static constexpr std::string_view kPeerKeyPrefix = "peer/";

  // What the node knows of one file on its disk (its durable local index).
  struct LocalFile {
    uint64_t version = 0;  // catalog version the content is; base version if !acked
    Digest hash;
    uint64_t size = 0;
    int64_t mtime = 0;
    bool acked = false;          // false: a local change the master has not decided yet
    std::vector<Digest> chunks;  // chunk digests, kept for reporting a change
    template <typename S>
    static auto Tie(S& s) {
      return std::tie(s.version, s.hash, s.size, s.mtime, s.acked, s.chunks);
    }
  };
  // A download in progress: chunk by chunk, spread over every holder we know,
  // each chunk verified against its catalog digest as it lands in the stage.
  enum class ChunkState : uint8_t { kNeeded, kInFlight, kDone };
  struct Pull {
    CatalogEntry target;
    std::string stage;
    std::vector<Peer> sources;  // holders still trusted; failing ones are dropped
    std::vector<ChunkState> chunks;
    size_t next_source = 0;  // round-robin cursor over sources
    size_t in_flight = 0;
    uint64_t done = 0;
    bool awaiting_holders = false;
    bool asked_master = false;
    Instant last_progress{};
  };
  // One outstanding Fetch.
  struct ChunkRequest {
    std::string path;
    uint64_t chunk = 0;
    std::string source;  // peer name
    Instant sent{};
  };
  struct PendingChange {
    Changed change;
    Instant sent{};
  };
  // Acked local files by content, to copy a file held under another path
  // instead of pulling it. A hash table on the digest's leading bytes (SHA-256
  // is uniform already): digests come in random order, so a tree lookup would
  // miss the cache at almost every level. Never iterated, so its order cannot
  // leak into behaviour.
  class ContentIndex {
   public:
    void Add(const Digest& hash, const std::string& path);
    void Remove(const Digest& hash, const std::string& path);
    // The first path, in path order, holding `hash`; null if none.
    const std::string* Find(const Digest& hash) const;

   private:
    struct Entry {
      Digest hash;
      std::set<std::string> paths;
    };
    using Bucket = std::vector<Entry>;
    size_t BucketOf(const Digest& hash) const;
    std::vector<Bucket> buckets_;  // a power of two of them, or none yet
    size_t entries_ = 0;
  };

  // The master link (node.cc).
  void OnHeartbeatTick();
  void SendRegister();
  void MasterLost();
  void DiskFull();
  void HandleWelcome();
  void HandleSnapshot(const CatalogSnapshot& m);
  void HandleEntry(const CatalogEntry& entry);
  void HandleHeartbeatAck(const HeartbeatAck& m);
  void HandleMembers(const Members& m);
  void ReportChange(const std::string& path, const LocalFile& local);
  void ResendChanges();
  void HandleChangeAck(const ChangeAck& m);
  bool KeepLocalAsConflictCopy(const ChangeAck& m);
  void HandleFetch(const Address& from, const Fetch& m);

  // The local index (node.cc).
  void LoadIndex();
  void LoadCatalogAndPeers();
  void SaveEntry(const CatalogEntry& entry);
  void ReplaceCatalog(const std::vector<CatalogEntry>& entries);
  void SaveLocal(const std::string& path, const LocalFile& f);
  void SetLocal(const std::string& path, const LocalFile& f);
  void UnsetLocal(const std::string& path);
  // Takes an acked file out of by_hash_ and holdings_digest_.
  void Unindex(const std::string& path, const LocalFile& old);
  void ForgetLocal(const std::string& path);
  std::vector<Holding> Inventory() const;
  void Trace(std::string_view what, const std::string& path,
             std::string_view detail = {});

  // The disk (node_disk.cc).
  void ScanDisk();
  void RecheckFile(const std::string& path);
  void Examine(const FileInfo& info);
  uint64_t BaseVersionFor(const std::string& path) const;
  // Records the file at `path` as the catalog's `entry`, whose content it is.
  void AdoptAsCurrent(const std::string& path, uint64_t size, int64_t mtime,
                      const CatalogEntry& entry);
  void FileMissing(const std::string& path);
  void ScrubSome();
  void ScrubFile(const std::string& path, const LocalFile& f);

  // Reconciliation and pulls (node_sync.cc). `pushed`: the entry has just
  // come from the master as news (EntryUpdate), so its origin, which
  // reported it a moment ago, holds it (see StartPull).
  void Reconcile(const std::string& path, bool pushed = false);
  void ApplyTombstone(const std::string& path);
  bool TryLocalCopy(const CatalogEntry& entry);
  static std::string StageName(const CatalogEntry& entry);
  void DiscardStrayStages();
  void PumpPulls();
  void StartPull(const CatalogEntry& entry, bool pushed);
  // The peer to fetch from without asking the master, if any.
  std::optional<Peer> OriginToAsk(const CatalogEntry& entry, bool pushed) const;
  void AskForHolders(Pull& pull);
  void ResumeFromStage(Pull& pull);
  std::vector<Peer> PeersInRandomOrder();
  void HandleHolders(const Holders& m);
  void SendRequests(Pull& pull);
  void HandleChunk(const Chunk& m);
  bool AcceptChunk(Pull& pull, uint64_t chunk, const Chunk& m);
  void HandleFetchFailed(const FetchFailed& m);
  void DropSource(Pull& pull, const std::string& source, std::string_view why);
  // These erase a pull, so they take the path by value: callers often pass
  // a reference into the pull itself.
  void FinishPull(std::string path);
  bool Publish(const std::string& stage, const CatalogEntry& entry, bool chunks_verified);
  void StopPull(std::string path);
  void CancelPull(std::string path);
  // Stage bookkeeping (stages_): record `stage` as path's partial download,
  // dropping an older one; discard path's; forget it once published.
  void TrackStage(const std::string& path, const std::string& stage);
  void DiscardStageOf(const std::string& path);
  void ForgetStage(const std::string& path, const std::string& stage);
  void AbandonPull(std::string path, std::string_view why);
  void RetryLater(const std::string& path);
  void RetryDuePulls();
  void CheckPullTimeouts();
  // Anti-entropy on the node's own work: a path the catalog has that the
  // node lacks (or a tombstone it has not applied) and that nothing is
  // working on (no pull, retry or undecided local change) is reconciled
  // again, whatever stranded it.
  void CheckStranded();
  bool InHand(const std::string& path) const;

  Env* const env_;
  const NodeOptions options_;

  Catalog catalog_;                         // the last catalog heard from the master
  std::map<std::string, Address> peers_;    // every node the master told us of
  std::map<std::string, LocalFile> local_;  // by path; ordered for determinism
  ContentIndex by_hash_;
  std::map<std::string, PendingChange> pending_changes_;
  std::map<std::string, bool> wanted_;          // paths to pull, in order -> pushed
  std::map<std::string, Pull> pulls_;           // active pulls by path
  std::map<uint64_t, ChunkRequest> requests_;   // outstanding Fetches by request id
  std::map<std::string, Instant> retry_after_;  // path -> earliest next pull
  // path -> its partial download on disk. Outlives a paused pull (the next
  // attempt resumes from it); discarded once the path no longer needs it.
  std::map<std::string, std::string> stages_;
  uint64_t holdings_digest_ = 0;  // Catalog::Mix over acked local files
  uint64_t acks_seen_ = 0;        // highest ChangeAck seq since the last Welcome
  bool registered_ = false;
  bool disk_full_ = false;
  Instant disk_full_since_{};
  Instant last_master_contact_{};
  uint64_t next_request_id_ = 1;
  std::string scrub_cursor_;     // last path scrubbed
  std::string stranded_cursor_;  // last path CheckStranded looked at
  int64_t scrub_balance_ = 0;    // bytes the scrub may still read (token bucket)
};

}  // namespace dds
