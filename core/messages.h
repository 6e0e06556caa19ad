// The protocol: every message exchanged between master and nodes, and between
// nodes. docs/protocol.md describes the exchanges; this file is the schema.
//
// Each message lists its fields once, in Tie(); the codec (core/codec.h)
// encodes and decodes them from that list, so the schema has one home.
// The variant index is the type tag on the wire: append new messages at the
// end, never reorder.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "core/entry.h"
#include "core/types.h"

namespace dds {

// ---- node -> master ----

// Sent when a node starts and whenever the master asks for it. Carries the
// node's whole verified inventory. Where peers reach the node is the address
// the transport reports the message from (the runtime's hello names it).
struct Register {
  std::string node;
  std::string http_address;  // where the node serves files ("host:port"), may be empty
  std::vector<Holding> files;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.node, s.http_address, s.files);
  }
};

struct Heartbeat {
  std::string node;
  uint64_t holdings_digest = 0;  // Catalog::Mix over what the node holds
  // The highest ChangeAck seq processed since the last Welcome. The master
  // compares digests only when it has no ack in flight, since an ack changes
  // what it believes the node holds before the node knows it.
  uint64_t acks_seen = 0;
  bool disk_full = false;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.node, s.holdings_digest, s.acks_seen, s.disk_full);
  }
};

// A file appeared or changed on the node's disk. `base_version` is the
// version the node's previous content corresponded to (0: none).
struct Changed {
  std::string node;
  std::string path;
  uint64_t base_version = 0;
  Digest hash;
  uint64_t size = 0;
  int64_t mtime = 0;
  std::vector<Digest> chunks;  // as in CatalogEntry
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.node, s.path, s.base_version, s.hash, s.size, s.mtime, s.chunks);
  }
};

// The node now holds (path, version) verified on disk.
struct Have {
  std::string node;
  Holding file;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.node, s.file);
  }
};

// The node no longer holds any version of `path` (damage or tombstone).
struct Dropped {
  std::string node;
  std::string path;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.node, s.path);
  }
};

struct WhoHas {
  std::string node;
  std::string path;
  uint64_t version = 0;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.node, s.path, s.version);
  }
};

struct CatalogRequest {
  std::string node;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.node);
  }
};

// ---- master -> node ----

// Registration accepted; the full catalog follows.
struct Welcome {
  uint64_t master_incarnation = 0;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.master_incarnation);
  }
};

struct CatalogSnapshot {
  std::vector<CatalogEntry> entries;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.entries);
  }
};

// One entry changed (pushed to every live node at once).
struct EntryUpdate {
  CatalogEntry entry;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.entry);
  }
};

// The master's decision on a Changed. If the change lost the conflict rule,
// its content is kept at `conflict_path` (version `conflict_version`) and the
// node must copy it there before letting the winner replace `path`.
struct ChangeAck {
  std::string path;
  Digest hash;
  bool accepted = false;
  uint64_t version = 0;  // the version of `path` holding `hash` if accepted
  std::string conflict_path;
  uint64_t conflict_version = 0;
  // Numbers the acks sent since the node registered. A node reports the
  // highest it has seen; a lost ack is made up for by the next one.
  uint64_t seq = 0;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.path, s.hash, s.accepted, s.version, s.conflict_path,
                    s.conflict_version, s.seq);
  }
};

struct HeartbeatAck {
  uint64_t catalog_digest = 0;  // Catalog::Digest() of the master's catalog
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.catalog_digest);
  }
};

// The master does not know this node (it restarted, or marked the node down).
struct RegisterPlease {
  template <typename S>
  static auto Tie(S&) {
    return std::tie();
  }
};

struct Holders {
  std::string path;
  uint64_t version = 0;
  std::vector<Peer> peers;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.path, s.version, s.peers);
  }
};

// ---- node -> node ----

struct Fetch {
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

struct Chunk {
  uint64_t request_id = 0;
  uint64_t offset = 0;
  std::string data;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.request_id, s.offset, s.data);
  }
};

struct FetchFailed {
  uint64_t request_id = 0;
  std::string reason;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.request_id, s.reason);
  }
};

// ---- master -> node, appended ----

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

using Message =
    std::variant<Register, Heartbeat, Changed, Have, Dropped, WhoHas, CatalogRequest,
                 Welcome, CatalogSnapshot, EntryUpdate, ChangeAck, HeartbeatAck,
                 RegisterPlease, Holders, Fetch, Chunk, FetchFailed, Members>;

// The message's type name, for logs and traces ("Fetch").
const char* MessageName(const Message& message);

}  // namespace dds
