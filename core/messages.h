// The protocol: every message exchanged between master and nodes, and between
// nodes. docs/protocol.md describes the exchanges; this file is the schema.
//
// Each message lists its fields once, in Tie(); the codec (core/codec.h)
// encodes and decodes them from that list, so the schema has one home.
// The variant index is the type tag on the wire: append new messages at the
// end, never reorder.
//
// Every message that can carry many items (files, entries, chunks) is a
// batch, built by core/batch.h under kMaxBatchBytes, so no message grows
// with the catalog: bulk exchanges page.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/entry.h"
#include "core/types.h"

namespace dds {

// Where a node's copy of the catalog stands in the master's log: every
// catalog change has a master-wide sequence number, and `seq` is the last
// one applied (with every change before it). `epoch` names the master's
// durable state the numbers belong to; a cursor from another epoch means
// nothing to the master.
struct Cursor {
  uint64_t epoch = 0;
  uint64_t seq = 0;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.epoch, s.seq);
  }
  bool operator==(const Cursor&) const = default;
};

// What a node claims to hold in one bucket of paths (core/holdings.h): how
// many files, and the XOR of Catalog::Mix over them.
struct BucketSummary {
  uint64_t bucket = 0;
  uint64_t count = 0;
  uint64_t digest = 0;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.bucket, s.count, s.digest);
  }
  bool operator==(const BucketSummary&) const = default;
};

// ---- node -> master ----

// Sent when a node starts and whenever the master asks for it. It carries
// where the node's catalog stands and a summary of what it holds, bucket
// by bucket (non-empty buckets only); the master asks for the files of the
// buckets it cannot reconcile from the summary (HoldingsWanted). Where peers
// reach the node is the address the transport reports the message from.
struct Register {
  std::string node;
  std::string http_url;  // the node's HTTP base URL ("https://host:port"), may be empty
  Cursor cursor;
  std::vector<BucketSummary> buckets;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.node, s.http_url, s.cursor, s.buckets);
  }
};

struct Heartbeat {
  std::string node;
  Cursor cursor;
  // What the node holds (core/holdings.h), all buckets together. The master
  // compares it with its own view only when the node's cursor is at the
  // head of the log and no change of the node is undecided: otherwise the
  // two legitimately differ for a moment.
  uint64_t held_count = 0;
  uint64_t held_digest = 0;
  uint64_t undecided = 0;  // changes reported and not yet answered
  // Every change id below this one is settled: the node will never send it
  // again, so the master may forget its decision.
  uint64_t settled_below = 0;
  bool disk_full = false;
  // Some of the data dir goes unwatched (out of inotify watches): changes
  // there are found by the periodic scan only.
  bool watch_incomplete = false;
  uint64_t transfers = 0;  // files being pulled right now
  // Damage found since the node started, counted: files gone from the disk
  // and files whose bytes no longer match (each is then pulled back).
  uint64_t lost_found = 0;
  uint64_t corrupt_found = 0;
  // The version of the ignore patterns the node applies (IgnoreRules); the
  // master sends its own again when they differ.
  uint64_t ignore_version = 0;
  // Files in the data dir whose names dds cannot take (core/path.h), as
  // last counted: they are never replicated (core/refused_names.h).
  uint64_t refused_names = 0;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.node, s.cursor, s.held_count, s.held_digest, s.undecided,
                    s.settled_below, s.disk_full, s.watch_incomplete, s.transfers,
                    s.lost_found, s.corrupt_found, s.ignore_version, s.refused_names);
  }
};

// A file appeared or changed on the node's disk, or, with `removed`, was
// deleted from a source node's disk (`hash` the content deleted; no size,
// no chunks).
// `base_version` is the version the node's previous content corresponded
// to (0: none). `id` numbers the node's changes (durably, never reused), so
// that a change sent again gets the answer it got the first time.
struct Change {
  uint64_t id = 0;
  std::string path;
  uint64_t base_version = 0;
  Digest hash;
  uint64_t size = 0;
  int64_t mtime = 0;
  std::vector<Digest> chunks;  // as in CatalogEntry
  bool removed = false;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.id, s.path, s.base_version, s.hash, s.size, s.mtime, s.chunks,
                    s.removed);
  }
  bool operator==(const Change&) const = default;
};

struct Changes {
  std::string node;
  std::vector<Change> items;
  // As in Heartbeat: every change id below it is settled. Sent with each
  // batch too, so a node reporting a burst of files lets the master forget
  // its decisions as it goes, not a heartbeat later.
  uint64_t settled_below = 0;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.node, s.items, s.settled_below);
  }
};

// The node now holds these versions, verified on disk.
struct Haves {
  std::string node;
  std::vector<Holding> items;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.node, s.items);
  }
};

// The node no longer holds any version of these paths (damage or tombstone).
struct Dropped {
  std::string node;
  std::vector<std::string> paths;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.node, s.paths);
  }
};

struct VersionRef {
  std::string path;
  uint64_t version = 0;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.path, s.version);
  }
};

// Which live nodes can serve these versions.
struct WhoHas {
  std::string node;
  std::vector<VersionRef> items;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.node, s.items);
  }
};

// The catalog changes after `after` (a cursor of the node's), one page.
struct CatalogRequest {
  std::string node;
  Cursor after;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.node, s.after);
  }
};

// The files the node holds in the buckets HoldingsWanted named, in one or
// more messages; the last has `done` set.
struct HoldingsList {
  std::string node;
  std::vector<Holding> items;
  bool done = false;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.node, s.items, s.done);
  }
};

// The answer to HoldingsCheck: the node's holdings, bucket by bucket.
struct HoldingsSummary {
  std::string node;
  std::vector<BucketSummary> buckets;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.node, s.buckets);
  }
};

// ---- master -> node ----

// Registration accepted. `head` is the cursor of the master's last change:
// the node asks for the changes after its own cursor (CatalogRequest).
// `term` is the elected leader's term among standby masters (docs/ha.md), 0
// for a master that stands alone; a node obeys no master of a term older
// than one it has seen.
struct Welcome {
  uint64_t master_incarnation = 0;
  Cursor head;
  uint64_t term = 0;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.master_incarnation, s.head, s.term);
  }
};

// Catalog changes after `after`, in sequence order, each entry with its
// seq; `last` is the cursor they bring the node to, `head` the master's.
// With `reset`, the node's cursor was from another epoch (or ahead of the
// log): this is the first page of a whole snapshot, and entries the
// snapshot does not list are no longer in the catalog once it is done.
struct CatalogPage {
  Cursor after;
  std::vector<CatalogEntry> entries;
  Cursor last;
  Cursor head;
  bool reset = false;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.after, s.entries, s.last, s.head, s.reset);
  }
};

// New catalog entries, pushed to every live node as they are recorded, in
// sequence order.
struct EntryUpdates {
  uint64_t epoch = 0;
  std::vector<CatalogEntry> entries;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.epoch, s.entries);
  }
};

// The master's decision on one change. If the change lost the conflict
// rule, its content is kept at `conflict_path` (version `conflict_version`)
// and the node must copy it there before letting the winner replace `path`.
// Not accepted and no conflict path: refused (the path is ignored, say);
// the node forgets the change and leaves its file alone.
struct ChangeAck {
  uint64_t id = 0;  // the change's
  std::string path;
  Digest hash;
  bool accepted = false;
  uint64_t version = 0;  // the version of `path` holding `hash` if accepted
  std::string conflict_path;
  uint64_t conflict_version = 0;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.id, s.path, s.hash, s.accepted, s.version, s.conflict_path,
                    s.conflict_version);
  }
  bool operator==(const ChangeAck&) const = default;
};

struct ChangeAcks {
  std::vector<ChangeAck> items;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.items);
  }
};

struct HeartbeatAck {
  Cursor head;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.head);
  }
};

// The master does not know this node (it restarted, or marked the node down).
struct RegisterPlease {
  template <typename S>
  static auto Tie(S&) {
    return std::tie();
  }
};

// A standby master's answer to a node (docs/ha.md): not the leader. `leader`
// is the control address of the one it knows, of `term`; empty if it knows
// none (the node tries the next master it knows).
struct NotLeader {
  Address leader;
  uint64_t term = 0;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.leader, s.term);
  }
};

struct HolderList {
  std::string path;
  uint64_t version = 0;
  std::vector<Peer> peers;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.path, s.version, s.peers);
  }
};

struct Holders {
  std::vector<HolderList> items;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.items);
  }
};

// Every node the master knows (name, protocol address), sent on registration
// and whenever the list changes. Nodes keep it durably, so that while the
// master is down they can still restore files from their peers.
struct Members {
  std::vector<Peer> peers;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.peers);
  }
};

// Send the files you hold in these buckets (HoldingsList); the master has
// forgotten what it knew of them.
struct HoldingsWanted {
  std::vector<uint64_t> buckets;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.buckets);
  }
};

// Send a HoldingsSummary: the master's view of what you hold drifted.
struct HoldingsCheck {
  template <typename S>
  static auto Tie(S&) {
    return std::tie();
  }
};

// The cluster's ignore patterns (core/ignore_filter.h), sent before the
// Welcome of every registration, to every live node when they change, and
// again to a node whose heartbeat names another version. At most
// IgnoreFilter::kMaxPatterns of at most kMaxPatternBytes each.
struct IgnoreRules {
  uint64_t version = 0;
  std::vector<std::string> patterns;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.version, s.patterns);
  }
  bool operator==(const IgnoreRules&) const = default;
};

// ---- node -> node ----

// One chunk asked of a peer.
struct FetchItem {
  uint64_t request_id = 0;
  std::string path;
  uint64_t version = 0;
  Digest hash;
  uint64_t offset = 0;
  uint64_t length = 0;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.request_id, s.path, s.version, s.hash, s.offset, s.length);
  }
};

// Chunks asked of one peer (many small files travel in one request).
struct Fetch {
  std::vector<FetchItem> items;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.items);
  }
};

struct ChunkData {
  uint64_t request_id = 0;
  uint64_t offset = 0;
  std::string data;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.request_id, s.offset, s.data);
  }
};

struct FetchFailure {
  uint64_t request_id = 0;
  std::string reason;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.request_id, s.reason);
  }
};

// The answers to a Fetch, in one or more messages (each under
// kMaxBatchBytes): a chunk (checked against the catalog's digest) or why
// the peer cannot serve it.
struct Chunks {
  std::vector<ChunkData> items;
  std::vector<FetchFailure> failed;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.items, s.failed);
  }
};

using Message =
    std::variant<Register, Heartbeat, Changes, Haves, Dropped, WhoHas, CatalogRequest,
                 HoldingsList, HoldingsSummary, Welcome, CatalogPage, EntryUpdates,
                 ChangeAcks, HeartbeatAck, RegisterPlease, Holders, Members,
                 HoldingsWanted, HoldingsCheck, Fetch, Chunks, IgnoreRules, NotLeader>;

// The type tag of message type T (its index in the variant).
template <typename T, typename... Ts>
constexpr size_t IndexIn(const std::variant<Ts...>*) {
  size_t i = 0;
  ((std::is_same_v<T, Ts> ? false : (++i, true)) && ...);
  return i;
}
template <typename T>
inline constexpr size_t kMessageIndex = IndexIn<T>(static_cast<const Message*>(nullptr));
static_assert(kMessageIndex<Register> == 0 &&
              kMessageIndex<NotLeader> == std::variant_size_v<Message> - 1);

// Who sends what: messages a master sends to nodes; every other one is a
// node's (to the master or to a peer).
template <typename T, typename... Ts>
inline constexpr bool kOneOf = (std::is_same_v<T, Ts> || ...);
template <typename T>
inline constexpr bool kFromMaster =
    kOneOf<T, Welcome, CatalogPage, EntryUpdates, ChangeAcks, HeartbeatAck,
           RegisterPlease, Holders, Members, HoldingsWanted, HoldingsCheck, IgnoreRules,
           NotLeader>;
bool FromMaster(const Message& message);

// The message's type name, for logs and traces ("Fetch").
const char* MessageName(const Message& message);

// Whether the message claims nothing about its sender's durable state:
// requests, and file data the receiver verifies against the catalog's
// digests. An Env may send these before its pending writes are durable
// (holding them would stall every pull behind the puller's and the holder's
// fsyncs); every other type, including one added to the protocol later,
// waits for the flush that makes what it describes durable
// (docs/runtime.md, "The rule for messages").
bool ClaimsNothing(const Message& message);

}  // namespace dds
