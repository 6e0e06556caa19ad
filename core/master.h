// The master state machine: membership, failure detection, the catalog as a
// sequenced log, and who holds what. Sans-I/O: it reacts to messages and
// timers and acts only through its Env.
//
// The master never holds file data. It sequences changes to each path (so a
// version number means the same content everywhere) and numbers every
// catalog change in one master-wide sequence (the log: nodes follow it with
// a cursor and catch up in pages), applies the conflict rule, pushes every
// change to every live node at once, and answers "who holds this version"
// so that pulls spread over all holders.
//
// Memory: per file, its catalog entry and a HolderSet (core/catalog.h), one
// place in the log index and one in its bucket's list; per node, a
// BucketSums view (what the master believes it holds, bucket by bucket) and
// the decisions on its changes not yet settled. Nothing per node grows with
// the catalog; status and heartbeats cost O(nodes).
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/catalog.h"
#include "core/env.h"
#include "core/holdings.h"
#include "core/ignore_filter.h"
#include "core/outbox.h"
#include "core/recent_events.h"
#include "core/version_history.h"

namespace dds {

struct MasterOptions {
  // A node that has not sent a heartbeat for this long is marked down.
  Duration node_timeout = std::chrono::seconds(5);
  Duration failure_check_interval = std::chrono::seconds(1);
  // How many holders one Holders reply names (chosen at random among the live
  // ones, so that pulls spread).
  size_t holders_per_reply = 8;
  // Counts master restarts; the runtime and simulator pass a value that grows
  // with each start, so nodes can tell a restarted master.
  uint64_t incarnation = 1;
  // The term it leads as, elected among standby masters (core/master_seat.h);
  // 0 for a master that stands alone. Nodes obey no older term.
  uint64_t term = 0;
};

// What the master knows of one node, for status pages and the redirector.
struct NodeStatus {
  std::string name;
  Address peer_address;
  std::string http_url;
  bool up = false;
  bool disk_full = false;
  Instant last_seen{};
  size_t files_current = 0;   // live catalog entries it holds at their current version
  size_t files_behind = 0;    // live catalog entries it lacks or holds stale
  uint64_t bytes_behind = 0;  // their total size
  bool synced = false;        // its catalog is at the head of the log
  bool watch_incomplete = false;  // part of its data dir goes unwatched
  uint64_t transfers = 0;         // files it is pulling
  uint64_t refused_names = 0;     // files in its data dir whose names dds refuses
};

// Told about every entry the master records, every version it infers, and
// every node it marks down (used by the simulator's checkers). Must not call
// back into the master.
class CatalogObserver {
 public:
  virtual ~CatalogObserver() = default;
  virtual void OnRecorded(const CatalogEntry& entry) = 0;
  // `version` of `path` had content `hash`, though no entry of it was ever
  // recorded: a delete reported before any report of the file makes what it
  // deleted the path's first version (master_changes.cc, DecideRemoval). A
  // node may then hold that version, as it may any replaced one.
  virtual void OnInferred(const std::string& path, uint64_t version,
                          const Digest& hash) = 0;
  virtual void OnMarkedDown(const std::string& node) = 0;
};

class Master final : public Process {
 public:
  Master(Env* env, MasterOptions options);
  Master(const Master&) = delete;
  Master& operator=(const Master&) = delete;

  // Process: loads the catalog from the MetaStore and starts failure checks.
  void Start() override;
  void OnMessage(const Address& from, const Message& message) override;
  void OnTimer(TimerId id) override;
  void OnPeerLost(const Address& peer) override;

  // Client operation: explicit delete. Records a tombstone and pushes it.
  // NotFound if the path has no live version; InvalidArgument for a bad path.
  Result<CatalogEntry> Remove(const std::string& path);
  // Client operation: the content of `from` moves to `to` (a new version of
  // `to`, recorded first, then a tombstone for `from`), so nodes rename the
  // file they hold instead of pulling it. NotFound if `from` has no live
  // version; InvalidArgument for a bad or ignored path, or a live `to`.
  Result<CatalogEntry> Move(const std::string& from, const std::string& to);

  // Client operations on the ignore patterns (core/ignore_filter.h). Each
  // persists the new list under a new version and pushes it to every live
  // node. Adding a pattern also tombstones the live entries it covers, with
  // origin kIgnoredOrigin: nodes leave those files on their disks. Removing
  // one lets nodes report the files it covered. Adding a pattern already
  // listed changes nothing. InvalidArgument for a bad pattern or a full
  // list; NotFound for removing a pattern that is not listed.
  Result<IgnoreRules> AddIgnore(const std::string& pattern);
  Result<IgnoreRules> RemoveIgnore(const std::string& pattern);
  const IgnoreRules& ignore_rules() const { return ignore_; }
  bool Ignored(std::string_view path) const { return ignore_filter_.Ignored(path); }

  const Catalog& catalog() const { return catalog_; }
  // The head of the log: the cursor of the last change recorded.
  Cursor head() const { return {epoch_, head_}; }
  std::vector<NodeStatus> Nodes() const;
  // Live nodes holding the current version of `path`, sorted by name.
  std::vector<NodeStatus> LiveHolders(const std::string& path) const;
  // True when every live node holds every live entry at its current version
  // and has applied the whole log (so no tombstoned file either).
  bool Converged() const;
  // Decisions kept for changes their nodes have not settled yet.
  size_t decisions_pending() const;
  const RecentEvents& recent_events() const { return events_; }
  Instant now() const { return env_->Now(); }
  void set_observer(CatalogObserver* observer) { observer_ = observer; }

 private:
  // A change the master has decided, remembered (durably) per node and
  // change id until the node says it is settled: the same change sent
  // again, because its ack was lost or the node restarted before reading
  // it, gets the same answer whatever has happened to the path since (a
  // later edit, a delete). Judged afresh, it would look concurrent with its
  // own outcome and come back as a conflict copy.
  struct Decision {
    uint64_t base_version = 0;
    ChangeAck ack;
    template <typename S>
    static auto Tie(S& s) {
      return std::tie(s.base_version, s.ack);
    }
  };

  struct NodeRecord {
    std::string name;
    uint32_t slot = 0;  // its bit in every HolderSet
    Address peer_address;
    std::string http_url;
    bool up = false;
    bool disk_full = false;
    bool watch_incomplete = false;
    uint64_t transfers = 0;
    uint64_t refused_names = 0;
    // Damage counts its heartbeats carry, as last seen; unknown until the
    // first heartbeat after a registration (a restarted node counts from 0,
    // a restarted master has seen nothing yet).
    std::optional<uint64_t> lost_found;
    std::optional<uint64_t> corrupt_found;
    Instant last_seen{};
    Cursor cursor;                 // as its last heartbeat said
    BucketSums view;               // what we believe it holds
    uint64_t bytes_held = 0;       // live bytes it holds, by `view`
    std::deque<uint64_t> to_list;  // buckets whose files we will ask for
    bool list_in_flight = false;   // a HoldingsWanted awaits its last list
    Instant list_progress{};       // when it was sent or a list came
    bool check_in_flight = false;  // a HoldingsCheck awaits its summary
    Instant check_sent{};
    std::map<uint64_t, Decision> decisions;  // by change id, not yet settled
  };

  // The ignore patterns (master_ignore.cc).
  void LoadIgnoreRules();
  Result<IgnoreRules> SetIgnoreRules(std::vector<std::string> patterns);
  // Tombstones the live entries the patterns now ignore.
  void TombstoneIgnored();

  // Loading durable state (master.cc).
  void LoadEpoch();
  void LoadCatalog();
  void LoadDecisions();

  // Membership and failure detection (master.cc).
  void HandleRegister(const Address& from, const Register& m);
  void HandleHeartbeat(const Address& from, const Heartbeat& m);
  // An answer the node owes for node_timeout, while its heartbeats come,
  // was lost on the way: the question may be asked again.
  void ForgetLostAnswers(NodeRecord& node);
  // A rise in the node's damage counts becomes an event: repairs under way.
  void NoteDamage(NodeRecord& node, const Heartbeat& m);
  // Logs `text` (prefixed "master: ") and keeps it among the recent events.
  void Notable(std::string text);
  Members AllMembers() const;
  void CheckFailures();
  NodeRecord* FindUp(const std::string& name);
  NodeStatus StatusOf(const NodeRecord& node) const;

  // The log and the catalog (master_log.cc).
  void HandleCatalogRequest(const Address& from, const CatalogRequest& m);
  CatalogPage PageAfter(const Cursor& after) const;
  // Records `entry` as the next version of its path: numbers it, persists
  // it, moves the holders, pushes it to the live nodes.
  void Record(CatalogEntry entry);
  void CompactLog();

  // Changes and the conflict rule (master_changes.cc).
  void HandleChanges(const Address& from, const Changes& m);
  ChangeAck DecideChange(NodeRecord& node, const Change& change);
  ChangeAck DecideNew(NodeRecord& node, const Change& change);
  // A source node's delete: a tombstone, unless a newer version from
  // elsewhere is recorded (an edit wins over a delete).
  ChangeAck DecideRemoval(NodeRecord& node, const Change& change);
  ChangeAck KeepAsConflictCopy(const CatalogEntry& loser, NodeRecord& node,
                               const Change& change);
  bool SupersedesOwnChange(const NodeRecord& node, const Change& change,
                           const Catalog::Slot& current) const;
  void SettleDecisions(NodeRecord& node, uint64_t settled_below);

  // Who holds what (master_holdings.cc).
  void HandleHaves(const Haves& m);
  void HandleDropped(const Dropped& m);
  void HandleWhoHas(const Address& from, const WhoHas& m);
  void HandleHoldingsList(const HoldingsList& m);
  void HandleHoldingsSummary(const HoldingsSummary& m);
  // Brings our view of `node` to its summary: buckets that agree are kept,
  // buckets it holds whole or not at all are filled or emptied, and the
  // files of the others are asked for.
  void Reconcile(NodeRecord& node, const std::vector<BucketSummary>& claims);
  void AskForLists(NodeRecord& node);
  // The node holds `h`: adopt it if the catalog is behind it, then count it.
  void AcceptHolding(NodeRecord& node, const Holding& h);
  void Hold(NodeRecord& node, const Catalog::Slot& slot);
  void Unhold(NodeRecord& node, const Catalog::Slot& slot);
  void FillBucket(NodeRecord& node, uint64_t bucket);
  void EmptyBucket(NodeRecord& node, uint64_t bucket);
  // Takes every holder off `slot` (its version is being replaced).
  void UnholdAll(const Catalog::Slot& slot);

  Env* const env_;
  const MasterOptions options_;
  Outbox outbox_;

  uint64_t epoch_ = 0;  // names this master's durable state
  uint64_t head_ = 0;   // seq of the last change recorded
  Catalog catalog_;
  // (seq, slot) for every change recorded, ascending; an element whose slot
  // has moved on to a later seq is stale and skipped (CompactLog drops them).
  std::vector<std::pair<uint64_t, const Catalog::Slot*>> log_;
  // Every slot by bucket, and the summary of a node holding all live ones.
  std::vector<std::vector<const Catalog::Slot*>> bucket_slots_;
  BucketSums full_;
  std::map<std::string, NodeRecord> nodes_;  // by name; ordered for determinism
  std::vector<NodeRecord*> by_slot_;         // records never move or go away
  VersionHistory history_;                   // replaced versions, durably
  IgnoreRules ignore_;
  IgnoreFilter ignore_filter_{{}};
  RecentEvents events_;
  CatalogObserver* observer_ = nullptr;
};

}  // namespace dds
