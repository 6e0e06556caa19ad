// The TOML scenario parser; see scenario_parser.h and docs/scenarios.md.
#include "sim/scenario_parser.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <set>

#include "core/path.h"
#include "sim/toml_fields.h"

namespace dds::sim {
namespace {

// The keys an action may carry besides `at` / `do` (or `every`, ...).
enum ActionKey : unsigned {
  kNodeKey = 1u << 0,
  kNodesKey = 1u << 1,
  kPathKey = 1u << 2,
  kSizeKey = 1u << 3,
  kContentKey = 1u << 4,
  kGroupsKey = 1u << 5,
  kRestartAfterKey = 1u << 6,
  kHealAfterKey = 1u << 7,
  kRestoreAfterKey = 1u << 8,
  kLossKey = 1u << 9,
  kDelayKey = 1u << 10,
  kLoseWritesKey = 1u << 11,
  kPublishWindowKey = 1u << 12,
  kInPlaceKey = 1u << 13,
  kToKey = 1u << 14,
  kTakesKey = 1u << 15,
  kMasterKey = 1u << 16,  // `node`, naming a master
};

struct ActionSpec {
  std::string_view name;
  ActionKind kind;
  unsigned keys;
};

constexpr unsigned kTarget = kNodeKey | kNodesKey;
constexpr std::array<ActionSpec, 26> kSpecs = {{
    {"join", ActionKind::kAddNode, kNodeKey},
    {"add_node", ActionKind::kAddNode, kNodeKey},
    {"crash", ActionKind::kCrash,
     kTarget | kRestartAfterKey | kLoseWritesKey | kPublishWindowKey},
    {"restart", ActionKind::kRestart, kTarget},
    {"delete", ActionKind::kDelete, kTarget | kPathKey},
    {"corrupt", ActionKind::kCorrupt, kTarget | kPathKey},
    {"write", ActionKind::kWrite,
     kTarget | kPathKey | kSizeKey | kContentKey | kInPlaceKey},
    {"modify", ActionKind::kModify,
     kTarget | kPathKey | kSizeKey | kContentKey | kInPlaceKey},
    {"remove", ActionKind::kRemove, kPathKey},
    {"partition", ActionKind::kPartition, kGroupsKey | kHealAfterKey},
    {"heal", ActionKind::kHeal, 0},
    {"master_crash", ActionKind::kMasterCrash, kMasterKey | kRestartAfterKey},
    {"master_restart", ActionKind::kMasterRestart, kMasterKey},
    {"coordination_outage", ActionKind::kCoordinationOutage, kRestoreAfterKey},
    {"leader_cut_off", ActionKind::kLeaderCutOff, kRestoreAfterKey},
    {"coordination_heal", ActionKind::kCoordinationHeal, 0},
    {"read", ActionKind::kRead, kTarget | kPathKey},
    {"loss_spike", ActionKind::kLossSpike, kLossKey | kRestoreAfterKey},
    {"delay_spike", ActionKind::kDelaySpike, kDelayKey | kRestoreAfterKey},
    {"calm", ActionKind::kCalm, 0},
    {"disk_full", ActionKind::kDiskFull, kTarget | kRestoreAfterKey},
    {"disk_free", ActionKind::kDiskFree, kTarget},
    {"move", ActionKind::kMove, kTarget | kPathKey | kToKey},
    {"slow_write", ActionKind::kSlowWrite, kTarget | kPathKey | kSizeKey | kTakesKey},
    {"temp_write", ActionKind::kTempWrite, kTarget | kPathKey | kSizeKey},
    {"disk_stall", ActionKind::kDiskStall, kTarget | kRestoreAfterKey},
}};

const ActionSpec& SpecOf(Fields& f) {
  std::string name = f.Required(f.Text("do"), "do");
  for (const ActionSpec& spec : kSpecs) {
    if (spec.name == name) return spec;
  }
  f.Fail("do", "unknown action \"" + name + "\" (see docs/scenarios.md)");
}

std::string CheckedPath(Fields& f, std::string_view key, std::string path) {
  if (Status s = ValidatePath(path); !s.ok()) f.Fail(key, "bad path: " + s.message());
  return path;
}

// Every name a scenario may use: the initial nodes and those its add_node
// actions name, and the masters.
struct Names {
  std::set<std::string, std::less<>> nodes;
  std::set<std::string, std::less<>> masters;
};

std::string KnownNode(Fields& f, std::string_view key, const Names& names,
                      std::string name, bool master_ok) {
  if (names.nodes.contains(name) || (master_ok && names.masters.contains(name)))
    return name;
  f.Fail(key, "unknown node \"" + name + "\"");
}

std::string KnownMaster(Fields& f, std::string_view key, const Names& names,
                        std::string name) {
  if (names.masters.contains(name)) return name;
  f.Fail(key, "unknown master \"" + name + "\" ([cluster] masters says how many)");
}

void ParseTargets(Fields& f, unsigned keys, const Names& names, Action* a) {
  if (keys & kNodeKey) {
    if (auto node = f.Text("node")) a->node = KnownNode(f, "node", names, *node, false);
  }
  if (keys & kMasterKey) {
    if (auto master = f.Text("node")) a->node = KnownMaster(f, "node", names, *master);
  }
  if (keys & kNodesKey) {
    for (std::string& name : f.Texts("nodes").value_or(std::vector<std::string>{})) {
      a->candidates.push_back(KnownNode(f, "nodes", names, std::move(name), false));
    }
  }
  if (keys & kGroupsKey) {
    a->groups = f.Groups("groups").value_or(std::vector<std::vector<std::string>>{});
    for (const auto& group : a->groups) {
      for (const auto& name : group) KnownNode(f, "groups", names, name, true);
    }
  }
}

// The action-specific keys, as `spec` allows them.
void ParseActionKeys(Fields& f, const ActionSpec& spec, const Names& names, Action* a) {
  a->kind = spec.kind;
  ParseTargets(f, spec.keys, names, a);
  if (spec.keys & kPathKey) {
    if (auto path = f.Text("path")) a->path = CheckedPath(f, "path", *path);
  }
  if (spec.keys & kSizeKey) a->size = f.Bytes("size");
  if (spec.keys & kContentKey) a->content = f.Text("content");
  if (a->size && a->content) f.Fail("content", "give either size or content, not both");
  if (spec.keys & kRestartAfterKey) a->undo_after = f.Time("restart_after");
  if (spec.keys & kHealAfterKey) a->undo_after = f.Time("heal_after");
  if (spec.keys & kRestoreAfterKey) a->undo_after = f.Time("restore_after");
  if (spec.keys & kLossKey) a->loss = f.Required(f.Fraction("loss"), "loss");
  if (spec.keys & kDelayKey) a->delay = f.Required(f.Time("delay"), "delay");
  if (spec.keys & kLoseWritesKey) a->lose_writes = f.Flag("lose_writes").value_or(false);
  if (spec.keys & kPublishWindowKey)
    a->in_publish_window = f.Flag("in_publish_window").value_or(false);
  if (spec.keys & kInPlaceKey) a->in_place = f.Flag("in_place").value_or(false);
  if (spec.keys & kToKey) {
    if (auto to = f.Text("to")) a->to = CheckedPath(f, "to", *to);
  }
  if (spec.keys & kTakesKey) a->takes = f.Time("takes");
  f.RejectUnknown(" for do = \"" + std::string(spec.name) + "\"");
}

Action ParseAction(const toml::table& table, const Names& names) {
  Fields f(table, "action");
  Action a;
  a.line = f.line();
  a.at = Instant(f.Required(f.Time("at"), "at"));
  ParseActionKeys(f, SpecOf(f), names, &a);
  return a;
}

RandomActions ParseRandom(const toml::table& table, const Names& names) {
  Fields f(table, "random");
  RandomActions r;
  r.action.line = f.line();
  r.every = f.Required(f.Time("every"), "every");
  if (r.every <= Duration(0)) f.Fail("every", "must be more than zero");
  r.from = Instant(f.Time("from").value_or(Duration(0)));
  r.until = Instant(f.Required(f.Time("until"), "until"));
  if (r.until < r.from) f.Fail("until", "is before from");
  ParseActionKeys(f, SpecOf(f), names, &r.action);
  return r;
}

// Calls `parse` on each table of the array of tables `name` ([[name]]).
template <typename Parse>
void ForEachTable(Fields& root, std::string_view name, Parse parse) {
  const toml::node* node = root.Node(name);
  if (!node) return;
  const toml::array* array = node->as_array();
  if (!array || !array->is_array_of_tables()) {
    root.Fail(name, "expected [[" + std::string(name) + "]] tables");
  }
  for (const toml::node& item : *array) parse(*item.as_table());
}

const toml::table* Section(Fields& root, std::string_view name) {
  const toml::node* node = root.Node(name);
  if (!node) return nullptr;
  if (!node->is_table()) root.Fail(name, "expected a [" + std::string(name) + "] table");
  return node->as_table();
}

void ParseCluster(const toml::table& table, Scenario* s) {
  Fields f(table, "cluster");
  s->nodes = f.Count("nodes", 1, 1000).value_or(s->nodes);
  s->masters = f.Count("masters", 1, 9).value_or(s->masters);
  s->seed = f.Count("seed", 0, UINT64_MAX >> 1).value_or(s->seed);
  s->file_size = f.Bytes("file_size").value_or(s->file_size);
  s->disk_capacity = f.Bytes("disk_capacity").value_or(s->disk_capacity);
  s->disk_rate = f.Bytes("disk_rate").value_or(s->disk_rate);
  if (s->disk_rate == 0) f.Fail("disk_rate", "must be more than zero");
  s->disk_latency = f.Time("disk_latency").value_or(s->disk_latency);
  s->sources = f.Texts("sources").value_or(s->sources);
  for (const std::string& name : s->sources) {
    if (!ValidNodeName(name)) f.Fail("sources", "\"" + name + "\" is not a node name");
  }
  s->unsynced_window = f.Time("unsynced_window").value_or(s->unsynced_window);
  f.RejectUnknown("");
}

void ParseNetwork(const toml::table& table, NetworkOptions* n) {
  Fields f(table, "network");
  n->latency_min = f.Time("latency_min").value_or(n->latency_min);
  n->latency_max =
      f.Time("latency_max").value_or(std::max(n->latency_max, n->latency_min));
  if (n->latency_max < n->latency_min) f.Fail("latency_max", "is less than latency_min");
  n->bandwidth = f.Bytes("bandwidth").value_or(n->bandwidth);
  n->loss = f.Fraction("loss").value_or(n->loss);
  f.RejectUnknown("");
}

void ParseNodeOptions(const toml::table& table, NodeOptions* n) {
  Fields f(table, "node");
  n->heartbeat_interval = f.Time("heartbeat").value_or(n->heartbeat_interval);
  n->master_timeout = f.Time("master_timeout").value_or(n->master_timeout);
  n->scan_interval = f.Time("scan_interval").value_or(n->scan_interval);
  n->scan_files_per_second =
      f.Count("scan_rate", 1, 1ull << 40).value_or(n->scan_files_per_second);
  n->scrub_bytes_per_second = f.Bytes("scrub_rate").value_or(n->scrub_bytes_per_second);
  n->scrub_interval = f.Time("scrub_interval").value_or(n->scrub_interval);
  n->max_concurrent_pulls =
      f.Count("max_pulls", 1, 1024).value_or(n->max_concurrent_pulls);
  n->max_small_pulls = f.Count("max_small_pulls", 1, 65536).value_or(n->max_small_pulls);
  n->chunks_in_flight = f.Count("chunks_in_flight", 1, 64).value_or(n->chunks_in_flight);
  n->fetch_timeout = f.Time("fetch_timeout").value_or(n->fetch_timeout);
  n->retry_delay = f.Time("retry_delay").value_or(n->retry_delay);
  n->disk_full_retry = f.Time("disk_full_retry").value_or(n->disk_full_retry);
  n->change_resend = f.Time("change_resend").value_or(n->change_resend);
  n->settle_time = f.Time("settle_time").value_or(n->settle_time);
  n->found_settle_time = f.Time("found_settle_time").value_or(n->found_settle_time);
  f.RejectUnknown("");
}

void ParseMaster(const toml::table& table, Scenario* s) {
  Fields f(table, "master");
  MasterOptions* m = &s->master;
  m->node_timeout = f.Time("node_timeout").value_or(m->node_timeout);
  m->failure_check_interval = f.Time("failure_check").value_or(m->failure_check_interval);
  m->holders_per_reply =
      f.Count("holders_per_reply", 1, 1000).value_or(m->holders_per_reply);
  s->lease_ttl = f.Time("lease_ttl").value_or(s->lease_ttl);
  if (s->lease_ttl <= Duration(0)) f.Fail("lease_ttl", "must be more than zero");
  s->max_log_bytes = f.Bytes("max_log").value_or(s->max_log_bytes);
  if (s->max_log_bytes == 0) f.Fail("max_log", "must be more than zero");
  f.RejectUnknown("");
}

void ParseWorkload(const toml::table& table, const Scenario& s, Workload* w) {
  Fields f(table, "workload");
  w->files = f.Count("files", 0, 1000000).value_or(0);
  uint64_t size = f.Bytes("size").value_or(s.file_size);
  w->size_min = f.Bytes("size_min").value_or(size);
  w->size_max = f.Bytes("size_max").value_or(std::max(size, w->size_min));
  if (w->size_max < w->size_min) f.Fail("size_max", "is less than size_min");
  w->copies = f.Count("copies", 1, s.nodes).value_or(1);
  w->prefix = f.Text("prefix").value_or(w->prefix);
  CheckedPath(f, "prefix", w->prefix + "f1");
  f.RejectUnknown("");
}

void ParseExpect(const toml::table& table, Expect* e) {
  Fields f(table, "expect");
  e->converged_within = f.Time("converged_within").value_or(e->converged_within);
  e->check_every = f.Time("check_every").value_or(e->check_every);
  if (e->check_every <= Duration(0)) f.Fail("check_every", "must be more than zero");
  e->read_every = f.Time("read_every").value_or(e->read_every);
  e->catalog_contains = f.Texts("catalog_contains").value_or(std::vector<std::string>{});
  e->no_node_marked_down = f.Flag("no_node_marked_down").value_or(false);
  f.RejectUnknown("");
}

constexpr double kMaxRate = 10000;  // faults per minute

// [faults]: every rate is a mean number of events per minute.
void ParseFaults(const toml::table& table, Faults* x) {
  Fields f(table, "faults");
  x->safety_phase = f.Required(f.Time("safety_phase"), "safety_phase");
  if (x->safety_phase <= Duration(0)) f.Fail("safety_phase", "must be more than zero");
  auto rate = [&](std::string_view key, double* out) {
    *out = f.Number(key, kMaxRate).value_or(*out);
  };
  auto time = [&](std::string_view key, Duration* out) {
    *out = f.Time(key).value_or(*out);
    if (*out <= Duration(0)) f.Fail(key, "must be more than zero");
  };
  rate("node_crash", &x->node_crash);
  time("node_down_max", &x->node_down_max);
  x->lost_writes = f.Fraction("lost_writes").value_or(x->lost_writes);
  x->publish_window = f.Fraction("publish_window").value_or(x->publish_window);
  rate("master_crash", &x->master_crash);
  time("master_down_max", &x->master_down_max);
  rate("partition", &x->partition);
  time("partition_max", &x->partition_max);
  rate("loss_spike", &x->loss_spike);
  x->spike_loss = f.Fraction("spike_loss").value_or(x->spike_loss);
  rate("delay_spike", &x->delay_spike);
  time("spike_delay", &x->spike_delay);
  time("spike_max", &x->spike_max);
  rate("disk_delete", &x->disk_delete);
  rate("corrupt", &x->corrupt);
  rate("disk_full", &x->disk_full);
  time("disk_full_max", &x->disk_full_max);
  rate("disk_stall", &x->disk_stall);
  time("disk_stall_max", &x->disk_stall_max);
  rate("coordination_outage", &x->coordination_outage);
  time("coordination_outage_max", &x->coordination_outage_max);
  rate("leader_cut_off", &x->leader_cut_off);
  time("leader_cut_off_max", &x->leader_cut_off_max);
  x->max_down = f.Count("max_down", 0, 1000).value_or(x->max_down);
  x->keep_a_copy = f.Flag("keep_a_copy").value_or(x->keep_a_copy);
  f.RejectUnknown("");
}

// [test]: a deliberately broken build, for tests of the checkers only.
void ParseTest(const toml::table& table, const Names& names, TestFaults* t) {
  Fields f(table, "test");
  std::string name = f.Required(f.Text("fault"), "fault");
  std::optional<TestFault> fault = ParseTestFault(name);
  if (!fault) {
    f.Fail("fault", "unknown test fault \"" + name + "\" (" + TestFaultNames() + ")");
  }
  std::vector<std::string> nodes = f.Texts("nodes").value_or(std::vector<std::string>{});
  if (nodes.empty()) t->all = *fault;
  for (std::string& node : nodes) {
    t->nodes[KnownNode(f, "nodes", names, std::move(node), true)] = *fault;
  }
  f.RejectUnknown("");
}

// The initial nodes plus every name an add_node action gives, read before
// the actions themselves so that an action may name a node added later in
// the file.
Names DeclaredNodes(Fields& root, const Scenario& s) {
  Names names;
  for (uint64_t i = 1; i <= s.nodes; ++i) names.nodes.insert(NodeName(i));
  for (uint64_t i = 1; i <= s.masters; ++i) names.masters.insert(MasterName(i));
  ForEachTable(root, "action", [&](const toml::table& t) {
    std::optional<std::string> kind = t["do"].value_exact<std::string>();
    std::optional<std::string> node = t["node"].value_exact<std::string>();
    if (!kind || !node || (*kind != "join" && *kind != "add_node")) return;
    if (!names.nodes.insert(*node).second || names.masters.contains(*node)) {
      Fields f(t, "action");
      f.Fail("node", "node \"" + *node + "\" already exists");
    }
  });
  return names;
}

// Every expected content must be one some write action writes.
void CheckExpectedContents(const toml::table& root, const Scenario& s) {
  for (const std::string& content : s.expect.catalog_contains) {
    bool written = std::any_of(s.actions.begin(), s.actions.end(),
                               [&](const Action& a) { return a.content == content; });
    if (written) continue;
    Fields f(*root["expect"].as_table(), "expect");
    f.Fail("catalog_contains", "no write action has content = \"" + content + "\"");
  }
}

void ParseRoot(const toml::table& root, Scenario* s) {
  Fields f(root, "");
  if (auto* t = Section(f, "cluster")) ParseCluster(*t, s);
  if (auto* t = Section(f, "network")) ParseNetwork(*t, &s->network);
  if (auto* t = Section(f, "node")) ParseNodeOptions(*t, &s->node);
  if (auto* t = Section(f, "master")) ParseMaster(*t, s);
  if (auto* t = Section(f, "workload")) ParseWorkload(*t, *s, &s->workload);
  if (auto* t = Section(f, "expect")) ParseExpect(*t, &s->expect);
  if (auto* t = Section(f, "faults")) ParseFaults(*t, &s->faults);
  Names names = DeclaredNodes(f, *s);
  if (auto* t = Section(f, "test")) ParseTest(*t, names, &s->test_faults);
  ForEachTable(f, "action", [&](const toml::table& t) {
    s->actions.push_back(ParseAction(t, names));
  });
  ForEachTable(f, "random",
               [&](const toml::table& t) { s->random.push_back(ParseRandom(t, names)); });
  f.RejectUnknown(
      " (sections: cluster, network, node, master, workload, expect, faults, "
      "test, [[action]], [[random]])");
  std::stable_sort(s->actions.begin(), s->actions.end(),
                   [](const Action& a, const Action& b) { return a.at < b.at; });
  CheckExpectedContents(root, *s);
}

}  // namespace

std::string ParseError::ToString() const {
  return file + ":" + std::to_string(line) + ": " + key + ": " + what;
}

ParseOutcome ParseScenarioText(std::string_view text, const std::string& file) {
  Scenario scenario;
  scenario.file = file;
  try {
    toml::table root = toml::parse(text, file);
    ParseRoot(root, &scenario);
  } catch (const toml::parse_error& e) {
    return ParseError{file, static_cast<int64_t>(e.source().begin.line), "toml",
                      std::string(e.description())};
  } catch (const FieldError& e) {
    return ParseError{file, e.line, e.key, e.what};
  }
  return scenario;
}

ParseOutcome ParseScenarioFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ParseError{path, 0, "file", "cannot be read"};
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  if (in.bad()) return ParseError{path, 0, "file", "cannot be read"};
  return ParseScenarioText(text, path);
}

}  // namespace dds::sim
