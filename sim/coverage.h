// Fault coverage: what a run's actions and faults actually did. A scenario
// that asks for a kind of fault which never takes effect (a disk filled on
// a cluster that writes nothing, a partition while no message crosses)
// tests nothing of it; the verdict says so, and ddsim exits with its own
// code, so that a scenario cannot silently test nothing.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sim/scenario.h"

namespace dds::sim {

struct Coverage {
  // The kinds the run's plan asked for (AskedKinds).
  std::set<std::string> asked;
  // Times each kind took effect, by the names scenarios use: an action kind
  // ("crash", "write", ...) each time it was carried out rather than
  // skipped, except four that count what they cost: "partition" messages
  // cut, "loss_spike" messages lost in a spike, "loss" messages lost to
  // [network] loss, "disk_full" writes refused for space.
  std::map<std::string, uint64_t> fired;
  // Notable moments the faults hit ("crash during a download", ...).
  std::map<std::string, uint64_t> moments;

  void Add(const Coverage& other);
  // Lines of text, and back: how a sweep's workers hand their counts over.
  std::string Serialize() const;
  static Coverage Parse(std::string_view text);
};

// Notable moments, by name.
inline constexpr std::string_view kCrashDuringDownload = "crash during a download";
inline constexpr std::string_view kPartitionCutTransfer = "transfer cut by a partition";
inline constexpr std::string_view kCorruptionFound = "corruption found by a node";
inline constexpr std::string_view kCrashInPublishWindow = "crash in a publish window";
inline constexpr std::string_view kUnsyncedWriteLost = "unsynced write lost in a crash";
// Several masters: a master began to lead; a master exited, deposed or
// with a batch the log would not take (world.h).
inline constexpr std::string_view kLeaderElected = "master took the lead";
inline constexpr std::string_view kMasterExited = "master exited";
// A master behind the log installed a copy of the leader's catalog.
inline constexpr std::string_view kCatalogCopied = "catalog copied to a master behind";

// The kinds a run asks for: those of the actions its plan scheduled
// (scripted, [[random]] and [faults] arrivals; a rate that drew no arrival
// in this run asked for nothing), and "loss" for [network] loss.
std::set<std::string> AskedKinds(const Scenario& scenario,
                                 const std::vector<Action>& plan);

// The asked kinds that never fired, in name order.
std::vector<std::string> Unfired(const Coverage& coverage);
// The same as "disk_full, partition" ("" when every asked kind fired).
std::string FormatUnfired(const Coverage& coverage);

// "fired: crash 3, write 40; moments: crash during a download 1" (or "none").
std::string FormatCoverage(const Coverage& coverage);

}  // namespace dds::sim
