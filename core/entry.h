// A catalog entry: what the master has recorded for one path.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>

#include "core/types.h"

namespace dds {

// One version of one path. Versions of a path are numbered 1, 2, 3, ... by
// the master; a tombstone is a version too, so a deleted path never goes back
// to an older version.
struct CatalogEntry {
  std::string path;
  uint64_t version = 0;
  Digest hash;        // content digest; zero for a tombstone
  uint64_t size = 0;  // bytes; zero for a tombstone
  bool tombstone = false;
  std::string origin;  // node whose disk the content first came from
  int64_t mtime = 0;   // the origin's mtime, used only by the conflict rule

  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.path, s.version, s.hash, s.size, s.tombstone, s.origin, s.mtime);
  }
  bool operator==(const CatalogEntry&) const = default;
};

// A version of a path that a node holds on its disk, verified.
struct Holding {
  std::string path;
  uint64_t version = 0;
  Digest hash;
  uint64_t size = 0;

  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.path, s.version, s.hash, s.size);
  }
  bool operator==(const Holding&) const = default;
};

// A peer that can serve files: its name and protocol address.
struct Peer {
  std::string name;
  Address address;

  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.name, s.address);
  }
  bool operator==(const Peer&) const = default;
};

}  // namespace dds
