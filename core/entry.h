// A catalog entry: what the master has recorded for one path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/types.h"

namespace dds {

// Files travel in chunks of this size (the last one may be shorter). It is a
// protocol constant: the chunk digests in the catalog depend on it.
inline constexpr uint64_t kChunkBytes = 1ull << 20;

// The largest file dds replicates: its chunk digests (32 bytes a chunk)
// travel in one message (core/codec.h bounds messages), so they must fit
// well inside it. A larger file is left alone, with a note.
inline constexpr uint64_t kMaxFileBytes = 128ull << 30;

// The number of chunks a file of `size` bytes has (0 for an empty file).
inline uint64_t ChunkCount(uint64_t size) {
  return (size + kChunkBytes - 1) / kChunkBytes;
}

// A file's content digest and, for files of more than one chunk, the digest of
// every chunk (so each chunk can be verified as it arrives, from any holder).
// A chunk's digest is the SHA-256 of its bytes. The whole-file digest is the
// SHA-256 of the bytes for a file of at most one chunk, and for a longer one
// the SHA-256 of its chunk digests in order (32 bytes each): each byte is
// hashed once, and a file whose chunks were verified needs no rehash. It is
// the file's identity and its HTTP ETag (runtime/sha256.h computes it;
// `dds digest FILE` prints it).
struct FileDigest {
  Digest whole;
  std::vector<Digest> chunks;  // empty when the file has at most one chunk
  bool operator==(const FileDigest&) const = default;
};

// The origin of a tombstone the master records because an ignore pattern
// now covers its path. Never a node's name (those hold no '/'): a node
// applying it leaves the file on its disk, since dds never deletes an
// ignored file.
inline constexpr std::string_view kIgnoredOrigin = "ignore/";

// One version of one path. Versions of a path are numbered 1, 2, 3, ... by
// the master; a tombstone is a version too, so a deleted path never goes back
// to an older version.
struct CatalogEntry {
  std::string path;
  uint64_t version = 0;
  Digest hash;        // content digest; zero for a tombstone
  uint64_t size = 0;  // bytes; zero for a tombstone
  bool tombstone = false;
  std::string origin;          // node whose disk the content first came from
  int64_t mtime = 0;           // the origin's mtime, used only by the conflict rule
  std::vector<Digest> chunks;  // per-chunk digests; empty for files of <= 1 chunk
  // The version the origin changed to make this one (0: a new file). A node
  // that changes the file again before hearing of this version reports the
  // same base; the master sees that this follows the origin's own change
  // rather than competing with it, even after a master restart.
  uint64_t base_version = 0;
  // Where this version stands in the master's log: its master-wide sequence
  // number (docs/protocol.md, "The catalog as a log").
  uint64_t seq = 0;

  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.path, s.version, s.hash, s.size, s.tombstone, s.origin, s.mtime,
                    s.chunks, s.base_version, s.seq);
  }
  // The digest chunk `index` must have. REQUIRES: index < ChunkCount(size).
  const Digest& ChunkDigest(uint64_t index) const {
    return chunks.empty() ? hash : chunks[index];
  }
  // Chunk digests consistent with the size (checked on everything received).
  bool WellFormed() const {
    if (tombstone) return size == 0 && chunks.empty();
    if (size > kMaxFileBytes) return false;
    uint64_t n = ChunkCount(size);
    return n <= 1 ? chunks.empty() : chunks.size() == n;
  }
  bool operator==(const CatalogEntry&) const = default;
};

// A version of a path that a node holds on its disk, verified.
struct Holding {
  std::string path;
  uint64_t version = 0;
  Digest hash;
  uint64_t size = 0;
  std::vector<Digest> chunks;  // as in CatalogEntry

  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.path, s.version, s.hash, s.size, s.chunks);
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
