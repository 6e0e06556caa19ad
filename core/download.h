// One version's download, as bookkeeping: the state of each chunk (needed,
// asked for, in the stage), the holders still trusted, and the chunk
// requests in flight.
//
// Needed chunks are asked for in file order, round-robin over the holders,
// at most `limit` at once; a holder that fails, sends a bad chunk or stalls
// is dropped and its chunks are asked of the others. The node does the
// sending, writing and verifying (core/node_sync.cc); this class only
// decides and remembers, so it is tested on literal chunks and times.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/entry.h"
#include "core/types.h"

namespace dds {

class Download {
 public:
  // A chunk request in flight.
  struct Request {
    uint64_t chunk = 0;
    std::string source;  // the holder's name
    Instant sent{};
  };
  // A chunk request to send: request `id` for `chunk`, to `source`.
  struct Ask {
    uint64_t id = 0;
    uint64_t chunk = 0;
    Peer source;
  };

  Download(CatalogEntry target, std::string stage, Instant now);

  const CatalogEntry& target() const { return target_; }
  const std::string& stage() const { return stage_; }
  uint64_t chunk_count() const { return chunks_.size(); }
  uint64_t done() const { return done_; }
  bool complete() const { return done_ == chunks_.size(); }
  uint64_t ChunkOffset(uint64_t chunk) const { return chunk * kChunkBytes; }
  uint64_t ChunkLength(uint64_t chunk) const;

  // `chunk` is already in the stage, verified (an earlier attempt's).
  void Resumed(uint64_t chunk);

  // The holders to ask.
  const std::vector<Peer>& sources() const { return sources_; }
  void AddSource(Peer peer) { sources_.push_back(std::move(peer)); }
  // The master has been asked who holds the target.
  void AwaitHolders(Instant now);
  bool awaiting_holders() const { return awaiting_holders_; }
  bool asked_master() const { return asked_master_; }
  // The master's answer: the holders other than `self` replace the sources.
  void TakeHolders(const std::vector<Peer>& holders, std::string_view self);
  // The master has not answered within `timeout`.
  bool HoldersOverdue(Instant now, Duration timeout) const {
    return awaiting_holders_ && now - last_progress_ > timeout;
  }

  // The requests to send now: needed chunks in file order, round-robin over
  // the sources, until `limit` are in flight; their ids come from *next_id.
  // REQUIRES: there are sources.
  std::vector<Ask> Plan(size_t limit, uint64_t* next_id, Instant now);
  const std::map<uint64_t, Request>& requests() const { return requests_; }
  // Request `id` has been answered with a chunk: it is no longer in flight,
  // and its chunk is needed until Landed. REQUIRES: requests() has `id`.
  Request Answered(uint64_t id);
  void Landed(uint64_t chunk, Instant now);
  // Request `id` has gone unanswered for longer than `timeout`.
  bool Stalled(uint64_t id, Instant now, Duration timeout) const {
    return now - requests_.at(id).sent > timeout;
  }
  // Stops trusting `source`: its requests in flight are dropped (their
  // chunks needed again) and their ids returned.
  std::vector<uint64_t> DropSource(std::string_view source);

 private:
  enum class Chunk : uint8_t { kNeeded, kInFlight, kDone };

  CatalogEntry target_;
  std::string stage_;
  std::vector<Chunk> chunks_;
  uint64_t done_ = 0;
  std::vector<Peer> sources_;  // holders still trusted
  size_t next_source_ = 0;     // round-robin cursor over sources_
  std::map<uint64_t, Request> requests_;
  bool awaiting_holders_ = false;
  bool asked_master_ = false;
  Instant last_progress_{};
};

}  // namespace dds
