// Where the master keeps its durable state in its MetaStore.
//
//   epoch                  names this state (a Cursor record with seq 0)
//   catalog/<path>         the path's latest CatalogEntry, with its seq
//   decided/<node>/<id>    a Decision on the node's change `id` (16 hex
//                          digits), until the node says it is settled
//
// Masters before the publish journal (runtime/publish_journal.h) also kept
// superseded/<path>, the versions of a path replaced lately, to recognise a
// node's late copy after a crash between its renames and its commit; that
// crash can no longer leave one, and a master deletes those records at
// start.
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
inline constexpr std::string_view kLegacySupersededKeyPrefix = "superseded/";

inline std::string CatalogKey(std::string_view path) {
  return std::string(kCatalogKeyPrefix) + std::string(path);
}

// "decided/<node>/<id>": node names never contain '/'.
std::string DecisionKey(std::string_view node, uint64_t id);
// (node, id) from the part of a decision key after the prefix.
std::optional<std::pair<std::string, uint64_t>> ParseDecisionKey(std::string_view rest);

}  // namespace dds
