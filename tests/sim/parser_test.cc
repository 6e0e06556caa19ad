// Goal: the scenario parser reads every documented key, and every kind of
// bad input gives one "FILE:LINE: KEY: what" error naming the right line
// and key. Method: parse small TOML texts.
#include <boost/test/unit_test.hpp>
#include <string>
#include <variant>

#include "sim/scenario_parser.h"

namespace dds::sim {
namespace {

using std::chrono::seconds;

Scenario Good(const std::string& text) {
  ParseOutcome outcome = ParseScenarioText(text, "good.toml");
  const ParseError* error = std::get_if<ParseError>(&outcome);
  BOOST_REQUIRE_MESSAGE(!error, (error ? error->ToString() : ""));
  return std::get<Scenario>(outcome);
}

ParseError Bad(const std::string& text) {
  ParseOutcome outcome = ParseScenarioText(text, "bad.toml");
  BOOST_REQUIRE(std::holds_alternative<ParseError>(outcome));
  return std::get<ParseError>(outcome);
}

// The error is on `line`, about `key`, and says something containing `what`.
void Expect(const std::string& text, int64_t line, const std::string& key,
            const std::string& what) {
  ParseError e = Bad(text);
  BOOST_TEST_CONTEXT(e.ToString()) {
    BOOST_TEST(e.file == "bad.toml");
    BOOST_TEST(e.line == line);
    BOOST_TEST(e.key == key);
    BOOST_TEST(e.what.find(what) != std::string::npos);
    BOOST_TEST(
        e.ToString().starts_with("bad.toml:" + std::to_string(line) + ": " + key + ": "));
  }
}

BOOST_AUTO_TEST_CASE(reads_every_section) {
  Scenario s = Good(R"(
[cluster]
nodes = 5
seed = 42
file_size = "8KiB"
[network]
latency_min = "2ms"
latency_max = "9ms"
bandwidth = "10MiB"
loss = 0.01
[node]
heartbeat = "500ms"
[master]
node_timeout = "3s"
[workload]
files = 20
size_min = "1KiB"
size_max = "2KiB"
copies = 2
[expect]
converged_within = "45s"
catalog_contains = ["hello"]
[[action]]
at = "2m"
do = "write"
node = "n9"
path = "a/b.txt"
content = "hello"
[[action]]
at = "1s"
do = "add_node"
node = "n9"
[[random]]
do = "crash"
every = "10s"
until = "1m"
restart_after = "3s"
nodes = ["n1", "n2"]
)");
  BOOST_TEST(s.nodes == 5u);
  BOOST_TEST(s.seed == 42u);
  BOOST_TEST(s.file_size == 8192u);
  BOOST_TEST(s.network.latency_max.count() == 9000);
  BOOST_TEST(s.network.bandwidth == 10u << 20);
  BOOST_TEST(s.network.loss == 0.01);
  BOOST_TEST(s.node.heartbeat_interval.count() == 500000);
  BOOST_TEST(s.master.node_timeout.count() == 3000000);
  BOOST_TEST(s.workload.files == 20u);
  BOOST_TEST(s.workload.copies == 2u);
  BOOST_TEST(s.expect.converged_within.count() == 45000000);
  BOOST_REQUIRE(s.actions.size() == 2u);
  BOOST_TEST(ActionName(s.actions[0].kind) == std::string("add_node"));  // sorted by time
  BOOST_TEST(*s.actions[1].content == "hello");
  BOOST_REQUIRE(s.random.size() == 1u);
  BOOST_TEST(s.random[0].action.candidates.size() == 2u);
  BOOST_TEST(s.random[0].action.undo_after->count() == 3000000);
}

BOOST_AUTO_TEST_CASE(defaults_come_from_the_core) {
  Scenario s = Good("");
  BOOST_TEST(s.nodes == 3u);
  BOOST_TEST(s.node.heartbeat_interval.count() ==
             NodeOptions{}.heartbeat_interval.count());
  BOOST_TEST(s.expect.converged_within.count() ==
             std::chrono::microseconds(seconds(60)).count());
}

BOOST_AUTO_TEST_CASE(unknown_action) {
  Expect("[[action]]\nat = \"1s\"\ndo = \"explode\"\n", 3, "action.do", "unknown action");
}

BOOST_AUTO_TEST_CASE(unknown_keys) {
  Expect("[cluster]\nnodes = 3\nnodez = 4\n", 3, "cluster.nodez", "unknown key");
  Expect("[[action]]\nat = \"1s\"\ndo = \"heal\"\nnode = \"n1\"\n", 4, "action.node",
         "unknown key for do = \"heal\"");
  Expect("[clusters]\nnodes = 3\n", 1, "clusters", "unknown key");
}

BOOST_AUTO_TEST_CASE(bad_duration_and_size) {
  Expect("[expect]\nconverged_within = \"30 seconds\"\n", 2, "expect.converged_within",
         "expected a duration");
  Expect("[cluster]\n\nfile_size = \"4kb\"\n", 3, "cluster.file_size", "expected a size");
}

BOOST_AUTO_TEST_CASE(unknown_node) {
  Expect("[cluster]\nnodes = 2\n[[action]]\nat = \"1s\"\ndo = \"crash\"\nnode = \"n3\"\n",
         6, "action.node", "unknown node \"n3\"");
  Expect("[[action]]\nat = \"1s\"\ndo = \"partition\"\ngroups = [[\"n1\", \"x\"]]\n", 4,
         "action.groups", "unknown node \"x\"");
}

BOOST_AUTO_TEST_CASE(missing_required_key) {
  Expect("\n[[action]]\ndo = \"heal\"\n", 2, "action.at", "missing");
  Expect("[[random]]\ndo = \"crash\"\nevery = \"5s\"\n", 1, "random.until", "missing");
}

BOOST_AUTO_TEST_CASE(wrong_types) {
  Expect("[cluster]\nnodes = \"three\"\n", 2, "cluster.nodes", "expected an integer");
  Expect("[cluster]\nnodes = 0\n", 2, "cluster.nodes", "between 1 and 1000");
  Expect("[network]\nloss = 2.0\n", 2, "network.loss", "between 0 and 1");
  Expect("cluster = 3\n", 1, "cluster", "expected a [cluster] table");
  Expect("[action]\nat = \"1s\"\n", 1, "action", "expected [[action]] tables");
}

BOOST_AUTO_TEST_CASE(bad_paths_and_inconsistencies) {
  Expect("[[action]]\nat = \"1s\"\ndo = \"delete\"\npath = \"../etc/passwd\"\n", 4,
         "action.path", "bad path");
  Expect("[[action]]\nat = \"1s\"\ndo = \"write\"\nsize = 3\ncontent = \"abc\"\n", 5,
         "action.content", "not both");
  Expect("[network]\nlatency_min = \"5ms\"\nlatency_max = \"1ms\"\n", 3,
         "network.latency_max", "less than latency_min");
  Expect("[expect]\ncatalog_contains = [\"zzz\"]\n", 2, "expect.catalog_contains",
         "no write action");
  Expect("[[action]]\nat = \"1s\"\ndo = \"add_node\"\nnode = \"n1\"\n", 4, "action.node",
         "already exists");
}

BOOST_AUTO_TEST_CASE(faults_and_test_sections) {
  Scenario s = Good(
      "[faults]\nsafety_phase = \"40s\"\nnode_crash = 2\nlost_writes = 0.5\n"
      "corrupt = 1.5\nmax_down = 2\nkeep_a_copy = false\n"
      "[test]\nfault = \"corrupt-publish\"\nnodes = [\"n2\"]\n"
      "[[action]]\nat = \"1s\"\ndo = \"crash\"\nlose_writes = true\n"
      "[[action]]\nat = \"2s\"\ndo = \"loss_spike\"\nloss = 0.3\n"
      "restore_after = \"1s\"\n"
      "[[action]]\nat = \"3s\"\ndo = \"write\"\nin_place = true\n");
  BOOST_TEST(s.faults.safety_phase.count() == 40000000);
  BOOST_TEST(s.faults.node_crash == 2.0);
  BOOST_TEST(s.faults.corrupt == 1.5);
  BOOST_TEST(s.faults.max_down == 2u);
  BOOST_TEST(!s.faults.keep_a_copy);
  BOOST_TEST(std::string(TestFaultName(s.test_faults.For("n2"))) == "corrupt-publish");
  BOOST_TEST(std::string(TestFaultName(s.test_faults.For("n1"))) == "none");
  BOOST_TEST(s.actions[0].lose_writes);
  BOOST_TEST(s.actions[1].loss == 0.3);
  BOOST_TEST(s.actions[2].in_place);
  BOOST_TEST(!s.actions[0].in_place);
  Expect("[[action]]\nat = \"1s\"\ndo = \"crash\"\nin_place = true\n", 4,
         "action.in_place", "unknown key");
  Expect("[faults]\nnode_crash = 1\n", 1, "faults.safety_phase", "missing");
  Expect("[faults]\nsafety_phase = \"1m\"\ncorrupt = -1\n", 3, "faults.corrupt",
         "between 0 and 10000");
  Expect("[test]\nfault = \"explode\"\n", 2, "test.fault", "unknown test fault");
  Expect("[test]\nfault = \"corrupt-publish\"\nnodes = [\"n9\"]\n", 3, "test.nodes",
         "unknown node");
  Expect("[[action]]\nat = \"1s\"\ndo = \"loss_spike\"\n", 1, "action.loss", "missing");
}

BOOST_AUTO_TEST_CASE(several_masters) {
  Scenario s = Good(
      "[cluster]\nmasters = 3\n[master]\nlease_ttl = \"2s\"\n"
      "[faults]\nsafety_phase = \"30s\"\nleader_cut_off = 2\n"
      "coordination_outage = 1\ncoordination_outage_max = \"4s\"\n"
      "[[action]]\nat = \"1s\"\ndo = \"master_crash\"\nnode = \"master3\"\n"
      "[[action]]\nat = \"2s\"\ndo = \"leader_cut_off\"\nrestore_after = \"1s\"\n"
      "[[action]]\nat = \"3s\"\ndo = \"partition\"\ngroups = [[\"master2\", \"n1\"]]\n");
  BOOST_TEST(s.masters == 3u);
  BOOST_TEST(s.lease_ttl.count() == 2000000);
  BOOST_TEST(s.faults.leader_cut_off == 2.0);
  BOOST_TEST(s.faults.coordination_outage_max.count() == 4000000);
  BOOST_TEST(s.actions[0].node == "master3");
  BOOST_TEST(ActionName(s.actions[1].kind) == std::string("leader_cut_off"));
  BOOST_TEST(s.actions[2].groups[0][0] == "master2");
  Expect("[[action]]\nat = \"1s\"\ndo = \"master_crash\"\nnode = \"master2\"\n", 4,
         "action.node", "unknown master \"master2\"");
  Expect(
      "[cluster]\nmasters = 3\n[[action]]\nat = \"1s\"\ndo = \"master_crash\"\n"
      "node = \"n1\"\n",
      6, "action.node", "unknown master");
  Expect("[cluster]\nmasters = 10\n", 2, "cluster.masters", "between 1 and 9");
  Expect("[master]\nlease_ttl = \"0s\"\n", 2, "master.lease_ttl", "more than zero");
  Expect(
      "[cluster]\nmasters = 2\n[[action]]\nat = \"1s\"\ndo = \"add_node\"\n"
      "node = \"master2\"\n",
      6, "action.node", "already exists");
}

BOOST_AUTO_TEST_CASE(malformed_toml) {
  ParseError e = Bad("[cluster]\nnodes = = 3\n");
  BOOST_TEST(e.line == 2);
  BOOST_TEST(e.key == "toml");
}

BOOST_AUTO_TEST_CASE(missing_file) {
  ParseOutcome outcome = ParseScenarioFile("/nonexistent/scenario.toml");
  BOOST_REQUIRE(std::holds_alternative<ParseError>(outcome));
  BOOST_TEST(std::get<ParseError>(outcome).ToString() ==
             "/nonexistent/scenario.toml:0: file: cannot be read");
}

}  // namespace
}  // namespace dds::sim
