// Where the master keeps its durable state in its MetaStore.
//
//   epoch                  names this state (a Cursor record with seq 0)
//   catalog/<path>         the path's latest CatalogEntry, with its seq
//   decided/<node>/<id>    a Decision on the node's change `id` (16 hex
//                          digits), until the node says it is settled
//   superseded/<path>      the versions of the path replaced lately
//                          (core/version_history.h)
//   ignore                 the ignore patterns and their version (an
//                          IgnoreRules record); absent: the defaults
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace dds {

inline constexpr std::string_view kEpochKey = "epoch";
inline constexpr std::string_view kCatalogKeyPrefix = "catalog/";
inline constexpr std::string_view kDecisionKeyPrefix = "decided/";
inline constexpr std::string_view kSupersededKeyPrefix = "superseded/";
inline constexpr std::string_view kIgnoreKey = "ignore";

inline std::string SupersededKey(std::string_view path) {
  return std::string(kSupersededKeyPrefix) + std::string(path);
}

inline std::string CatalogKey(std::string_view path) {
  return std::string(kCatalogKeyPrefix) + std::string(path);
}

// "decided/<node>/<id>": node names never contain '/'.
std::string DecisionKey(std::string_view node, uint64_t id);
// (node, id) from the part of a decision key after the prefix.
std::optional<std::pair<std::string, uint64_t>> ParseDecisionKey(std::string_view rest);

}  // namespace dds
