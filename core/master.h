// The master state machine: membership, failure detection, the catalog, and
// who holds what. Sans-I/O: it reacts to messages and timers and acts only
// through its Env.
//
// The master never holds file data. It sequences changes to each path (so a
// version number means the same content everywhere), applies the conflict
// rule, pushes every catalog change to every live node at once, and answers
// "who holds this version" so that pulls spread over all holders.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/catalog.h"
#include "core/env.h"

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
};

// What the master knows of one node, for status pages and the redirector.
struct NodeStatus {
  std::string name;
  Address peer_address;
  std::string http_address;
  bool up = false;
  bool disk_full = false;
  Instant last_seen{};
  size_t files_current = 0;   // live catalog entries it holds at their current version
  size_t files_behind = 0;    // live catalog entries it lacks or holds stale
  uint64_t bytes_behind = 0;  // their total size
};

// Told about every entry the master records (used by the simulator's
// checkers and the runtime's metrics). Must not call back into the master.
class CatalogObserver {
 public:
  virtual ~CatalogObserver() = default;
  virtual void OnRecorded(const CatalogEntry& entry) = 0;
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

  const Catalog& catalog() const { return catalog_; }
  std::vector<NodeStatus> Nodes() const;
  // Live nodes holding the current version of `path`, sorted by name.
  std::vector<NodeStatus> LiveHolders(const std::string& path) const;
  // True when every live node holds every live entry at its current version
  // and no tombstoned path.
  bool Converged() const;
  void set_observer(CatalogObserver* observer) { observer_ = observer; }

 private:
  struct NodeRecord {
    std::string name;
    Address peer_address;
    std::string http_address;
    bool up = false;
    bool disk_full = false;
    Instant last_seen{};
    std::map<std::string, Holding> holdings;  // path -> what it holds
    uint64_t holdings_digest = 0;             // Catalog::Mix over holdings
    uint64_t acks_sent = 0;                   // ChangeAcks since registration
  };

  void HandleRegister(const Address& from, const Register& m);
  void HandleHeartbeat(const Address& from, const Heartbeat& m);
  void HandleChanged(const Address& from, const Changed& m);
  void HandleHave(const Have& m);
  void HandleDropped(const Dropped& m);
  void HandleWhoHas(const Address& from, const WhoHas& m);
  void HandleCatalogRequest(const Address& from);
  Members AllMembers() const;

  // A change the master has decided, remembered (durably) per node and
  // path: the same change sent again, because its ack was lost or the node
  // restarted before reading it, gets the same answer whatever has happened
  // to the path since (a later edit, a delete). Judged afresh, it would look
  // concurrent with its own outcome and come back as a conflict copy.
  struct Decision {
    uint64_t base_version = 0;
    ChangeAck ack;  // without seq
    template <typename S>
    static auto Tie(S& s) {
      return std::tie(s.base_version, s.ack);
    }
  };

  // The last versions of a path that a newer one replaced (oldest first, at
  // most kSupersededKept), remembered durably: a change carrying one of
  // them, based on an older version, is a late copy of it (a node that
  // installed it, then lost its record of that in a crash), not an edit.
  struct Superseded {
    struct Version {
      uint64_t version = 0;
      Digest hash;
      template <typename S>
      static auto Tie(S& s) {
        return std::tie(s.version, s.hash);
      }
    };
    std::vector<Version> versions;
    template <typename S>
    static auto Tie(S& s) {
      return std::tie(s.versions);
    }
  };
  static constexpr size_t kSupersededKept = 8;

  void LoadCatalog();
  void LoadDecisions();
  void LoadSuperseded();
  void RememberSuperseded(const CatalogEntry& old);
  // The version of `path` superseded with content `hash`, if remembered.
  std::optional<uint64_t> SupersededWith(const std::string& path,
                                         const Digest& hash) const;
  // Answers a change: the remembered decision for a re-sent one, else a new
  // decision (the conflict rule lives in DecideNew), remembered.
  ChangeAck DecideChange(const Changed& m);
  ChangeAck DecideNew(const Changed& m);
  ChangeAck KeepAsConflictCopy(const CatalogEntry& loser, const Changed& m);
  bool SupersedesOwnChange(const Changed& m, const CatalogEntry& current) const;
  void AcceptFromInventory(NodeRecord& node, const Holding& h);
  // Records `entry` durably, updates holders, and pushes it to live nodes.
  void Record(const CatalogEntry& entry);
  void Broadcast(const Message& message);
  void SetHolding(NodeRecord& node, const Holding& h);
  void ClearHolding(NodeRecord& node, const std::string& path);
  // Takes `old`, still in node.holdings, out of the node's digest and the
  // path's holders.
  void Unhold(NodeRecord& node, const Holding& old);
  void ClearAllHoldings(NodeRecord& node);
  void AddHolder(const std::string& path, const NodeRecord& node);
  void RemoveHolder(const std::string& path, const NodeRecord& node);
  static bool NameOrder(const NodeRecord* a, const NodeRecord* b) {
    return a->name < b->name;
  }
  void CheckFailures();
  NodeRecord* FindUp(const std::string& name);
  NodeStatus StatusOf(const NodeRecord& node) const;

  Env* const env_;
  const MasterOptions options_;

  Catalog catalog_;
  std::map<std::string, NodeRecord> nodes_;  // by name; ordered for determinism
  // path -> nodes holding its current version, sorted by name (records in
  // nodes_ never move or go away, so the pointers stay valid).
  using HolderList = std::vector<const NodeRecord*>;
  std::map<std::string, HolderList> holders_;
  // (node, path) -> the last change from that node on that path decided.
  std::map<std::pair<std::string, std::string>, Decision> decisions_;
  std::map<std::string, Superseded> superseded_;  // by path
  CatalogObserver* observer_ = nullptr;
};

}  // namespace dds
