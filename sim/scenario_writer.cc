// Scenario to TOML; see scenario_writer.h.
#include "sim/scenario_writer.h"

#include <toml++/toml.h>

#include <sstream>

namespace dds::sim {
namespace {

// Exact, in the largest unit that divides it: "5s", "250ms", "42959us".
std::string Micros(Duration d) {
  int64_t us = d.count();
  if (us % 1000000 == 0) return std::to_string(us / 1000000) + "s";
  if (us % 1000 == 0) return std::to_string(us / 1000) + "ms";
  return std::to_string(us) + "us";
}

int64_t Int(uint64_t value) { return static_cast<int64_t>(value); }

toml::table ClusterTable(const Scenario& s) {
  toml::table t{{"nodes", Int(s.nodes)},
                {"masters", Int(s.masters)},
                {"seed", Int(s.seed)},
                {"file_size", Int(s.file_size)},
                {"disk_capacity", Int(s.disk_capacity)},
                {"disk_rate", Int(s.disk_rate)},
                {"disk_latency", Micros(s.disk_latency)},
                {"unsynced_window", Micros(s.unsynced_window)}};
  if (!s.sources.empty()) {
    toml::array sources;
    for (const std::string& name : s.sources) sources.push_back(name);
    t.insert("sources", std::move(sources));
  }
  return t;
}

toml::table NetworkTable(const NetworkOptions& n) {
  return toml::table{{"latency_min", Micros(n.latency_min)},
                     {"latency_max", Micros(n.latency_max)},
                     {"bandwidth", Int(n.bandwidth)},
                     {"loss", n.loss}};
}

toml::table NodeTable(const NodeOptions& n) {
  return toml::table{{"heartbeat", Micros(n.heartbeat_interval)},
                     {"master_timeout", Micros(n.master_timeout)},
                     {"scan_interval", Micros(n.scan_interval)},
                     {"scan_rate", Int(n.scan_files_per_second)},
                     {"scrub_rate", Int(n.scrub_bytes_per_second)},
                     {"scrub_interval", Micros(n.scrub_interval)},
                     {"max_pulls", Int(n.max_concurrent_pulls)},
                     {"max_small_pulls", Int(n.max_small_pulls)},
                     {"chunks_in_flight", Int(n.chunks_in_flight)},
                     {"fetch_timeout", Micros(n.fetch_timeout)},
                     {"retry_delay", Micros(n.retry_delay)},
                     {"disk_full_retry", Micros(n.disk_full_retry)},
                     {"change_resend", Micros(n.change_resend)},
                     {"settle_time", Micros(n.settle_time)},
                     {"found_settle_time", Micros(n.found_settle_time)}};
}

toml::table MasterTable(const Scenario& s) {
  const MasterOptions& m = s.master;
  return toml::table{{"node_timeout", Micros(m.node_timeout)},
                     {"failure_check", Micros(m.failure_check_interval)},
                     {"holders_per_reply", Int(m.holders_per_reply)},
                     {"lease_ttl", Micros(s.lease_ttl)},
                     {"max_log", Int(s.max_log_bytes)}};
}

toml::table WorkloadTable(const Workload& w) {
  return toml::table{{"files", Int(w.files)},
                     {"size_min", Int(w.size_min)},
                     {"size_max", Int(w.size_max)},
                     {"copies", Int(w.copies)},
                     {"prefix", w.prefix}};
}

toml::table ExpectTable(const Expect& e) {
  toml::array contents;
  for (const std::string& c : e.catalog_contains) contents.push_back(c);
  return toml::table{{"converged_within", Micros(e.converged_within)},
                     {"check_every", Micros(e.check_every)},
                     {"read_every", Micros(e.read_every)},
                     {"catalog_contains", contents},
                     {"no_node_marked_down", e.no_node_marked_down}};
}

// The bounds only: rates would make it generate faults again.
toml::table FaultsTable(const Faults& f) {
  return toml::table{{"safety_phase", Micros(f.safety_phase)},
                     {"max_down", Int(f.max_down)},
                     {"keep_a_copy", f.keep_a_copy}};
}

const char* UndoKey(ActionKind kind) {
  switch (kind) {
    case ActionKind::kCrash:
    case ActionKind::kMasterCrash:
      return "restart_after";
    case ActionKind::kPartition:
      return "heal_after";
    default:
      return "restore_after";
  }
}

toml::table ActionTable(const Action& a) {
  toml::table t{{"at", Micros(a.at.time_since_epoch())}, {"do", ActionName(a.kind)}};
  if (!a.node.empty()) t.insert("node", a.node);
  if (!a.path.empty()) t.insert("path", a.path);
  if (a.size) t.insert("size", Int(*a.size));
  if (a.content) t.insert("content", *a.content);
  if (a.undo_after) t.insert(UndoKey(a.kind), Micros(*a.undo_after));
  if (a.kind == ActionKind::kLossSpike) t.insert("loss", a.loss);
  if (a.kind == ActionKind::kDelaySpike) t.insert("delay", Micros(a.delay));
  if (a.lose_writes) t.insert("lose_writes", true);
  if (a.in_publish_window) t.insert("in_publish_window", true);
  if (a.in_place) t.insert("in_place", true);
  if (!a.to.empty()) t.insert("to", a.to);
  if (a.takes) t.insert("takes", Micros(*a.takes));
  if (!a.groups.empty()) {
    toml::array groups;
    for (const auto& group : a.groups) {
      toml::array names;
      for (const std::string& name : group) names.push_back(name);
      groups.push_back(std::move(names));
    }
    t.insert("groups", std::move(groups));
  }
  return t;
}

void AddTest(const TestFaults& faults, toml::table* root) {
  if (faults.all != TestFault::kNone) {
    root->insert("test", toml::table{{"fault", TestFaultName(faults.all)}});
    return;
  }
  if (faults.nodes.empty()) return;
  // One fault for the named nodes (the TOML form has one [test] table).
  toml::array nodes;
  for (const auto& [name, fault] : faults.nodes) nodes.push_back(name);
  root->insert("test", toml::table{{"fault", TestFaultName(faults.nodes.begin()->second)},
                                   {"nodes", std::move(nodes)}});
}

}  // namespace

std::string ScenarioToml(const Scenario& s, const std::string& header) {
  toml::table root{{"cluster", ClusterTable(s)},
                   {"network", NetworkTable(s.network)},
                   {"node", NodeTable(s.node)},
                   {"master", MasterTable(s)},
                   {"workload", WorkloadTable(s.workload)},
                   {"expect", ExpectTable(s.expect)}};
  if (s.faults.safety_phase > Duration(0)) root.insert("faults", FaultsTable(s.faults));
  AddTest(s.test_faults, &root);
  toml::array actions;
  for (const Action& a : s.actions) actions.push_back(ActionTable(a));
  if (!actions.empty()) root.insert("action", std::move(actions));
  std::ostringstream out;
  std::istringstream lines(header);
  for (std::string line; std::getline(lines, line);) out << "# " << line << "\n";
  out << toml::toml_formatter(root) << "\n";
  return out.str();
}

}  // namespace dds::sim
