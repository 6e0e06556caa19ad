// A process's durable key-value state (dds::MetaStore) in memory. It belongs
// to the simulated machine, so it outlives crashes of the process using it.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "core/env.h"

namespace dds::sim {

class MemMetaStore final : public MetaStore {
 public:
  Status Put(std::string_view key, std::string_view value) override;
  Status Delete(std::string_view key) override;
  Status Get(std::string_view key, std::string* value) override;
  Status Scan(std::string_view prefix, const Visitor& visit) override;

 private:
  // Keys are split after their first '/' ("local/" + "data/f1.bin"; a key
  // without one is all head): the processes' keys share a few long heads, so
  // a lookup compares short tails, which fit in the string itself, instead of
  // following a pointer to the whole key at every level. No head is a prefix
  // of another (or ends where a slash-free key does), so walking heads, then
  // tails, in order gives the keys in order.
  using Tails = std::map<std::string, std::string, std::less<>>;
  static std::pair<std::string_view, std::string_view> Split(std::string_view key);

  std::map<std::string, Tails, std::less<>> heads_;
};

}  // namespace dds::sim
