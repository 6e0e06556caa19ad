// One version's download, as bookkeeping (core/download.h).
#include "core/download.h"

#include <algorithm>

#include "core/check.h"

namespace dds {

Download::Download(CatalogEntry target, std::string stage, Instant now)
    : target_(std::move(target)),
      stage_(std::move(stage)),
      chunks_(ChunkCount(target_.size), Chunk::kNeeded),
      last_progress_(now) {}

uint64_t Download::ChunkLength(uint64_t chunk) const {
  return std::min(kChunkBytes, target_.size - ChunkOffset(chunk));
}

void Download::Resumed(uint64_t chunk) {
  DDS_CHECK(chunks_.at(chunk) == Chunk::kNeeded);
  chunks_[chunk] = Chunk::kDone;
  done_ += 1;
}

void Download::AwaitHolders(Instant now) {
  asked_master_ = true;
  awaiting_holders_ = true;
  last_progress_ = now;
}

void Download::TakeHolders(const std::vector<Peer>& holders, std::string_view self) {
  awaiting_holders_ = false;
  sources_.clear();
  sources_.reserve(holders.size());
  for (const Peer& p : holders) {
    if (p.name != self) sources_.push_back(p);
  }
}

std::vector<Download::Ask> Download::Plan(size_t limit, uint64_t* next_id, Instant now) {
  DDS_CHECK(!sources_.empty());
  std::vector<Ask> asks;
  for (uint64_t i = 0; i < chunks_.size() && requests_.size() < limit; ++i) {
    if (chunks_[i] != Chunk::kNeeded) continue;
    const Peer& source = sources_[next_source_++ % sources_.size()];
    const uint64_t id = (*next_id)++;
    requests_.emplace(id, Request{i, source.name, now});
    chunks_[i] = Chunk::kInFlight;
    asks.push_back(Ask{id, i, source});
  }
  return asks;
}

Download::Request Download::Answered(uint64_t id) {
  auto it = requests_.find(id);
  DDS_CHECK(it != requests_.end());
  Request r = std::move(it->second);
  requests_.erase(it);
  chunks_[r.chunk] = Chunk::kNeeded;
  return r;
}

void Download::Landed(uint64_t chunk, Instant now) {
  DDS_CHECK(chunks_.at(chunk) == Chunk::kNeeded);
  chunks_[chunk] = Chunk::kDone;
  done_ += 1;
  last_progress_ = now;
}

std::vector<uint64_t> Download::DropSource(std::string_view source) {
  std::erase_if(sources_, [&](const Peer& p) { return p.name == source; });
  std::vector<uint64_t> dropped;
  std::erase_if(requests_, [&](const auto& item) {
    const auto& [id, r] = item;
    if (r.source != source) return false;
    chunks_[r.chunk] = Chunk::kNeeded;
    dropped.push_back(id);
    return true;
  });
  return dropped;
}

}  // namespace dds
