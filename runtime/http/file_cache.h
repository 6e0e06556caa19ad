// One HTTP thread's memory of the files the core said it may serve, so that
// a GET does not ask the core (on its own thread) every time.
//
// Why it is correct: an entry is the core's answer (Node::Servable and the
// file it opened) together with the core's epoch when it answered
// (AsioEnv::epoch). The epoch changes when any callback into the core
// starts, so while it reads the same, the core has run nothing since and
// would answer the same: the entry is exactly what asking would return,
// the same descriptor's bytes included (the core replaces and deletes files
// by rename and unlink, which leave an open descriptor's bytes alone). Once
// the epoch moves, every entry is dropped, however unrelated the change.
// Only positive answers are kept: a refusal always asks again.
//
// Threading: one cache per HTTP thread, used only there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "runtime/http/node_handler.h"

namespace dds::http {

class ServedFileCache {
 public:
  // What the small files' contents and heads kept may add up to.
  static constexpr size_t kMaxBytes = 64 << 20;

  // Holds at most `capacity` files open (0: none).
  explicit ServedFileCache(size_t capacity) : capacity_(capacity) {}

  // The file the core served `path` with, if it answered at `epoch` (now).
  std::shared_ptr<const ServableFile> Find(const std::string& path, uint64_t epoch);
  // Keeps the core's answer for `path`, given at `epoch`; an answer older
  // than what the cache holds is not kept.
  void Put(const std::string& path, uint64_t epoch,
           std::shared_ptr<const ServableFile> file);
  // Closes every file if the core has moved past the cache's epoch, so an
  // idle thread does not hold a deleted file's blocks.
  void Expire(uint64_t epoch);

 private:
  void Clear();

  const size_t capacity_;
  uint64_t epoch_ = 0;
  size_t bytes_ = 0;  // kept in memory by the files held
  std::unordered_map<std::string, std::shared_ptr<const ServableFile>> files_;
};

}  // namespace dds::http
