// The node state machine: keeps the node's data directory equal to the
// catalog. Sans-I/O: it reacts to messages, timers and file events, and acts
// only through its Env.
//
// What it does, by event:
//  * start: loads its local index, scans the disk (re-hashing only files whose
//    size or mtime changed), registers with a summary of what it holds and
//    the cursor of its catalog copy in the master's log;
//  * registered: catches up on the log in pages (CatalogRequest ->
//    CatalogPage) and answers the master's questions about its holdings;
//  * a file appears or changes on disk: hashes it and reports it at once,
//    unless the cluster's ignore patterns cover it (core/ignore_filter.h);
//  * a file disappears from disk: damage; it is pulled back from a peer (on
//    a source node, NodeOptions::source, it is a delete for the cluster);
//  * the catalog moves (pushed by the master, in sequence): pulls the new
//    version, in chunks, from any live holder (or renames a file it holds
//    whose path was deleted in the same move); verifies the digest before
//    publishing; applies tombstones;
//  * a peer asks for chunks: serves them from verified, recorded files only;
//  * timers: heartbeats (with its cursor and a digest of what it holds, the
//    anti-entropy checks), a periodic full scan (safety net for missed file
//    events), and a scrub that re-hashes files at a bounded rate to find
//    silent corruption.
// Everything it sends goes through an Outbox, so items of one kind bound for
// one peer travel together.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/catalog.h"
#include "core/codec.h"
#include "core/disk_scan.h"
#include "core/download.h"
#include "core/env.h"
#include "core/hash_queue.h"
#include "core/holdings.h"
#include "core/ignore_filter.h"
#include "core/log_follower.h"
#include "core/master_link.h"
#include "core/node_index.h"
#include "core/outbox.h"
#include "core/pending_changes.h"
#include "core/pull_queue.h"
#include "core/refused_names.h"
#include "core/scrubber.h"
#include "core/settle_queue.h"

namespace dds {

struct NodeOptions {
  std::string name;
  std::string http_url;  // its HTTP base URL, "http(s)://host:port" (may be empty)
  // The masters it may register with: one, or the leader and its standbys
  // (docs/ha.md), as they advertise their control addresses.
  std::vector<Address> masters;

  Duration heartbeat_interval = std::chrono::seconds(1);
  // No answer from the master for this long: re-register.
  Duration master_timeout = std::chrono::seconds(4);
  // The scan: a pass over the data dir (the safety net for missed file
  // events) starts at most this often, and lists at most this many files a
  // second, so its cost is spread like the scrub's (a node of a million
  // files scans it in 100 s at the default).
  Duration scan_interval = std::chrono::seconds(30);
  uint64_t scan_files_per_second = 10000;
  // Scrub: re-hash stored files at this rate to find silent corruption.
  // At 8 MiB/s a node holding 1 GiB re-reads all of it every ~2 minutes.
  uint64_t scrub_bytes_per_second = 8ull << 20;
  Duration scrub_interval = std::chrono::seconds(1);

  size_t max_concurrent_pulls = 8;  // of files of more than one chunk
  // Files of one chunk are pulled many at once (their fetches batched),
  // bounded in count and bytes (core/pull_queue.h).
  size_t max_small_pulls = 256;
  uint64_t max_small_pull_bytes = 16ull << 20;
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
  // An authoritative source: a file deleted from its data dir is deleted
  // from the cluster (reported, then tombstoned), and a rename is a move.
  // On a mirror (the default) a vanished file is damage: it comes back.
  bool source = false;
  // A file event (closed after writing, moved in, gone: its writer is done)
  // is acted on once the path has been quiet this long, so that both halves
  // of a rename are seen together and a file that lives a moment (an
  // editor's probe) is not seen at all. 0: at once.
  Duration settle_time = std::chrono::milliseconds(5);
  // A change found otherwise (by the scan, or in a directory that just
  // appeared) may be a writer still at work, with no event yet to say it is
  // done: it is examined once its size and mtime have not moved for this
  // long. 0: at once.
  Duration found_settle_time = std::chrono::seconds(1);
  // New or changed files hashed at once, in the background
  // (FileStore::HashInBackground); more wait their turn.
  size_t max_hashes_in_flight = 4;
};

class Node final : public Process, private LogFollower::CatalogCopy {
 public:
  Node(Env* env, NodeOptions options);
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  void Start() override;
  void OnMessage(const Address& from, const Message& message) override;
  void OnTimer(TimerId id) override;
  void OnPeerLost(const Address& peer) override;
  // Something happened to `path` in the data dir (created, written, removed).
  // It is examined once it has settled (NodeOptions::settle_time).
  void OnFileEvent(const std::string& path);
  // `path` was written whole by a writer known to be done (an upload the
  // node stored itself): examined at once.
  void OnFileComplete(const std::string& path);
  // `path` was found in a directory that just appeared: a writer may still
  // be at work on it (NodeOptions::found_settle_time).
  void OnFileFound(const std::string& path);
  // The environment cannot report every file event: `complete` is false
  // while part of the data dir goes unwatched (shown in heartbeats, so in
  // the master's status); `lost` means events were dropped, and a scan pass
  // starts at once.
  void OnFileEventsMissed(bool complete, bool lost);

  // The verified, recorded version this node may serve for `path`, if any.
  // Never an unacknowledged local change, never a partial download.
  // Never an ignored path, nor one settling (core/settle_queue.h).
  std::optional<Holding> Servable(std::string_view path) const;
  // The cluster's ignore patterns (as the master last said) cover `path`:
  // the node never reports, serves, restores or deletes it.
  bool Ignored(std::string_view path) const { return ignore_filter_.Ignored(path); }
  uint64_t refused_names() const { return refused_.count(); }
  const NodeIndex& index() const { return index_; }
  bool registered() const { return registered_; }
  // The master it registers with: the only one whose messages it obeys.
  const Address& master() const { return master_.current(); }
  size_t active_pulls() const { return pulls_.size(); }
  // Files (and bytes) held at the version the node's catalog names.
  uint64_t held_files() const { return index_.held().count(); }
  uint64_t held_bytes() const { return index_.held_bytes(); }
  size_t wanted_paths() const { return wanted_.size(); }
  const std::string& name() const { return options_.name; }

 private:
  static constexpr TimerId kHeartbeatTimer = 1;
  static constexpr TimerId kScanTimer = 2;
  static constexpr TimerId kScrubTimer = 3;
  static constexpr TimerId kOutboxTimer = 4;
  static constexpr TimerId kSettleTimer = 5;
  // Paths CheckStranded looks at a heartbeat, at least.
  static constexpr size_t kStrandedSlice = 4096;
  // The scan works in ticks of this, and the start-up pass (all at once) in
  // pages of kScanPage files.
  static constexpr Duration kScanTick = std::chrono::seconds(1);
  // Settling paths due within this of each other are examined together.
  static constexpr Duration kSettleTogether = std::chrono::milliseconds(5);
  static constexpr size_t kScanPage = 65536;
  // Durable state in the MetaStore: the local index, the last catalog heard
  // and the known peers (the last two let the node repair itself while the
  // master is down).
  static constexpr std::string_view kLocalKeyPrefix = "local/";
  static constexpr std::string_view kCatalogKeyPrefix = "catalog/";
  static constexpr std::string_view kPeerKeyPrefix = "peer/";
  // Where the catalog copy stands in the master's log (a Cursor), and the
  // next change id (a Cursor record too: epoch 0, seq = the id).
  static constexpr std::string_view kCursorKey = "cursor";
  static constexpr std::string_view kNextChangeKey = "next-change";
  // The ignore patterns (an IgnoreRules record), so a restarted node applies
  // them before it hears from the master.
  static constexpr std::string_view kIgnoreKey = "ignore";

  using LocalFile = NodeIndex::Local;
  // The master link (node.cc).
  void OnHeartbeatTick();
  void SendRegister();
  void MasterLost();
  void DiskFull();
  void HandleWelcome(const Welcome& m);
  void HandleNotLeader(const NotLeader& m);
  void HandleHeartbeatAck(const HeartbeatAck& m);
  void HandleMembers(const Members& m);
  void HandleIgnoreRules(const IgnoreRules& m);
  // The path's file stays on disk, out of dds's hands: no longer recorded,
  // reported or held.
  void LetGo(const std::string& path);
  void ReportChange(const std::string& path, const LocalFile& local);
  // A source's file is gone from its disk: the delete goes to the master.
  void ReportDeletion(const std::string& path);
  void SendChange(PendingChanges::Pending& pending);
  static Change ChangeOf(const std::string& path, const LocalFile& local);
  void ResendChanges();
  // The next change id, persisted so that ids are never reused.
  uint64_t NewChangeId();
  void HandleChangeAck(const ChangeAck& m);
  // Our change lost: copies its content to the conflict path in the
  // background, then leaves the path to the winner.
  void KeepLocalAsConflictCopy(const ChangeAck& m);
  // Whether the conflict path already holds `hash` (or a newer delete).
  bool ConflictCopyKept(const ChangeAck& m, const Digest& hash) const;
  void ConflictCopyDone(const ChangeAck& m, const CatalogEntry& copy,
                        const std::string& stage, const Result<FileDigest>& digest);
  // Drops our losing change and its file, and takes the catalog's version.
  void LeaveToWinner(const ChangeAck& m);
  void HandleFetch(const Address& from, const FetchItem& m);
  // Tells the master this node holds / no longer holds a path.
  void SendHave(const std::string& path, const LocalFile& f);
  void SendDropped(const std::string& path);

  // Following the master's log (node_log.cc).
  // LogFollower::CatalogCopy: the follower (log_) decides, these act.
  bool Apply(const CatalogEntry& entry) override;
  void Changed(const std::string& path, bool pushed) override;
  void SnapshotBegins(bool replacing) override;
  void SnapshotEnds() override;
  bool Request(const Cursor& after) override;
  void SaveCursor(const Cursor& cursor) override;

  void HandleHoldingsWanted(const HoldingsWanted& m);

  // The local index (node.cc).
  void LoadIndex();
  void LoadCatalogAndPeers();
  void LoadIgnoreRules();
  void SaveEntry(const CatalogEntry& entry);
  void SaveLocal(const std::string& path, const LocalFile& f);
  void ForgetLocal(const std::string& path);
  void Trace(std::string_view what, const std::string& path,
             std::string_view detail = {});

  // The disk (node_disk.cc).
  // A whole pass at once (at start-up).
  void ScanDisk();
  // The periodic scan's share of a tick.
  void ScanTick();
  // Lists up to `budget` files after the scan's cursor, examines the changed
  // ones (with `settle`, once they have settled), and finds the recorded
  // ones gone among them; true once the pass is done.
  bool ScanSome(size_t budget, bool settle);
  void RecheckFile(const std::string& path);
  // Settling (settle_queue.h): what the disk shows at a path, a path to
  // examine once settled, and the paths that have.
  SettleQueue::Look LookAt(const std::string& path);
  void Settle(SettleQueue& queue, const std::string& path, const SettleQueue::Look& look);
  void SettleDue();
  // The gone halves of renames whose new halves were hashed: checked, in
  // order, once no hash they wait for is under way.
  void ReleaseGoneHalves();
  void ArmSettleTimer();
  // The index already holds `info`'s file as it is (same size and mtime).
  bool Unchanged(const FileInfo& info) const;
  // `path` is a name dds cannot take: logged once, counted.
  void Refuse(const std::string& path, const Status& why);
  // A file found new or changed: hashed (now at start-up, else in the
  // background, hashes_), then recorded and reported as Examined says.
  bool NeedsHash(const FileInfo& info) const;
  void ExamineNow(const FileInfo& info);
  void Examine(const FileInfo& info);
  void PumpHashes();
  // `info`'s file hashed to `hash`: touched, the catalog's version, or a
  // change to report (unless it moved while hashed).
  void Examined(const FileInfo& info, Result<FileDigest> hash);
  uint64_t BaseVersionFor(const std::string& path) const;
  // Records the file at `path` as the catalog's `entry`, whose content it is.
  void AdoptAsCurrent(const std::string& path, uint64_t size, int64_t mtime,
                      const CatalogEntry& entry);
  void FileMissing(const std::string& path);
  void ScrubSome();
  // Checks bytes [offset, offset + length) of `path` against `f`'s digest
  // for them (core/scrubber.h).
  void ScrubStep(const std::string& path, const LocalFile& f, uint64_t offset,
                 uint64_t length);

  // Reconciliation and pulls (node_sync.cc). `pushed`: the entry has just
  // come from the master as news (EntryUpdate), so its origin, which
  // reported it a moment ago, holds it (see StartPull).
  void Reconcile(const std::string& path, bool pushed = false);
  void ApplyTombstone(const std::string& path);
  // Starts a copy (or, for a move, a rename) of a file the node holds with
  // `entry`'s content; false if it holds none.
  bool TryLocalCopy(const CatalogEntry& entry);
  // Marks a copy to `entry`'s path as under way, and returns what calls
  // `then` with its digest unless the copy is dropped meanwhile.
  FileStore::HashDone TrackLocalCopy(const CatalogEntry& entry,
                                     std::function<void(const Result<FileDigest>&)> then);
  // The copy's bytes are in `stage` with `digest`: published if they are
  // `entry`'s (`how`: "copied" or "moved"), else pulled from a peer.
  void LocalCopyDone(const CatalogEntry& entry, const std::string& stage,
                     std::string_view how, const std::string& source,
                     const Result<FileDigest>& digest);
  static std::string StageName(const CatalogEntry& entry);
  void DiscardStrayStages();
  void PumpPulls();
  void StartPull(const CatalogEntry& entry, bool pushed);
  // The pull's stage is checked (if it had one): fetch the rest.
  void GoOnPulling(Download& pull, bool pushed);
  // The peer to fetch from without asking the master, if any.
  std::optional<Peer> OriginToAsk(const CatalogEntry& entry, bool pushed) const;
  void AskForHolders(Download& pull);
  // Marks the chunks the pull's stage already holds (`stage`: its digest).
  void ResumeFromStage(Download& pull, const FileDigest& stage);
  std::vector<Peer> PeersInRandomOrder();
  void HandleHolders(const HolderList& m);
  void SendRequests(Download& pull);
  void HandleChunk(const ChunkData& m);
  bool AcceptChunk(const Download& pull, uint64_t chunk, const ChunkData& m);
  void HandleFetchFailed(const FetchFailure& m);
  void DropSource(Download& pull, const std::string& source, std::string_view why);
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
  Outbox outbox_;
  MasterLink master_;  // the master it registers with

  NodeIndex index_;    // the catalog last heard, and what the disk holds
  LogFollower log_;    // where that catalog stands in the master's log
  Scrubber scrubber_;  // which held files to re-hash, and when
  DiskScan scan_;      // which files to list at each tick
  IgnoreRules ignore_{0, IgnoreFilter::Defaults()};  // durable; the master's
  IgnoreFilter ignore_filter_{ignore_.patterns};
  RefusedNames refused_;
  SettleQueue settling_;  // after file events
  SettleQueue found_;     // changes found by the scan or a new directory's walk
  HashQueue hashes_;      // files being hashed, or waiting to be
  // Paths found gone that wait for hashes of paths found there with them
  // (SettleDue): perhaps the two halves of a rename.
  struct GoneHalf {
    std::string path;
    std::vector<std::string> awaited;
  };
  std::deque<GoneHalf> gone_halves_;
  uint64_t next_change_id_ = 1;
  std::map<std::string, Address> peers_;        // every node the master told us of
  PendingChanges pending_changes_;              // reported, not yet answered
  PullQueue wanted_;                            // paths to pull
  std::map<std::string, Download> pulls_;       // active pulls by path
  std::map<uint64_t, std::string> requests_;    // outstanding Fetches: id -> path
  std::map<std::string, Instant> retry_after_;  // path -> earliest next pull
  // path -> its partial download on disk. Outlives a paused pull (the next
  // attempt resumes from it); discarded once the path no longer needs it.
  std::map<std::string, std::string> stages_;
  // Background disk work under way, by path, each tagged so that a result
  // for work since dropped is ignored: local copies (with the version they
  // are of), and the stage checks of pulls that resume.
  struct LocalCopy {
    uint64_t token = 0;
    uint64_t version = 0;
  };
  std::map<std::string, LocalCopy> local_copies_;
  std::map<std::string, uint64_t> resumes_;
  uint64_t next_disk_job_ = 1;
  bool registered_ = false;
  bool disk_full_ = false;
  bool watch_incomplete_ = false;
  uint64_t lost_found_ = 0;     // files found gone from disk, since Start
  uint64_t corrupt_found_ = 0;  // files found with bytes changed, since Start
  Instant disk_full_since_{};
  Instant last_master_contact_{};
  uint64_t next_request_id_ = 1;
  std::string stranded_cursor_;  // last path CheckStranded looked at
};

}  // namespace dds
