// Goal: ddsim --report's record and page tell the truth about a run and
// cannot be broken by it. Method: real runs of small scenarios, recorded,
// written as HTML and searched: recording changes nothing in the run (same
// trace digest); lanes, up and down, partitions and convergence are there; a
// hostile path is escaped; a failed run shows the violation and the command
// that reproduces it; the cap on marks holds and the page says so.
#define BOOST_TEST_MODULE sim_report
#include <boost/test/unit_test.hpp>
#include <sstream>
#include <string>

#include "sim/html_report.h"
#include "sim/run_record.h"
#include "sim/runner.h"
#include "tests/sim/parse_or_fail.h"

namespace dds::sim {
namespace {

// Three nodes; n2 crashes and comes back; n3 is cut off for a while; a file
// with every character HTML cares about in its path is written.
constexpr char kEventful[] = R"(
[cluster]
nodes = 3
[workload]
files = 5
[expect]
converged_within = "30s"
[[action]]
at = "2s"
do = "crash"
node = "n2"
restart_after = "3s"
[[action]]
at = "3s"
do = "partition"
groups = [["n3"]]
heal_after = "4s"
[[action]]
at = "4s"
do = "write"
node = "n1"
path = "odd/<script>alert(1)</script> & \"q\" 'x'.txt"
)";

struct Recorded {
  RunRecord record;
  RunResult result;
  std::string html;
};

void RunRecorded(const Scenario& scenario, Recorded* out) {
  RunOptions options;
  options.record = &out->record;
  out->result = RunScenario(scenario, options);
  std::ostringstream html;
  WriteHtmlReport(html, out->record, out->result,
                  {"odd <name>.toml", "ddsim x.toml --seed 1"});
  out->html = html.str();
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

BOOST_AUTO_TEST_CASE(recording_changes_nothing_in_the_run) {
  const Scenario scenario = ParseOrFail(kEventful, "eventful.toml");
  Recorded recorded;
  RunRecorded(scenario, &recorded);
  const RunResult plain = RunScenario(scenario, {});
  BOOST_TEST(recorded.result.trace_digest == plain.trace_digest);
  BOOST_TEST(recorded.result.trace_lines == plain.trace_lines);
}

BOOST_AUTO_TEST_CASE(lanes_up_down_partitions_and_convergence) {
  Recorded r;
  RunRecorded(ParseOrFail(kEventful, "eventful.toml"), &r);
  BOOST_REQUIRE(r.result.ok());
  BOOST_REQUIRE_EQUAL(r.record.lanes().size(), 4u);
  BOOST_TEST(r.record.lanes()[0].process == "master");
  const Lane& n2 = r.record.lanes()[2];
  BOOST_TEST(n2.process == "n2");
  BOOST_REQUIRE_EQUAL(n2.up.size(), 2u);  // up, crashed at 2 s, up again at 5 s
  BOOST_TEST(n2.up[0].to.has_value());
  BOOST_TEST(!n2.up[1].to.has_value());
  BOOST_REQUIRE_EQUAL(r.record.partitions().size(), 1u);
  BOOST_TEST(r.record.partitions()[0].cut_off == std::vector<std::string>{"n3"});
  BOOST_TEST(r.record.partitions()[0].span.to.has_value());  // healed
  BOOST_TEST(r.html.find("class=\"verdict pass\"") != std::string::npos);
  BOOST_TEST(r.html.find("id=\"convergence\"") != std::string::npos);
  BOOST_TEST(r.html.find("id=\"violation\"") == std::string::npos);
  BOOST_TEST(r.html.find("id=\"reproduce\"") == std::string::npos);
  BOOST_TEST(Count(r.html, "class=\"lane\"") == 5u);  // the cluster's and four processes'
  BOOST_TEST(Count(r.html, "class=\"band partition\" ") == 1u);
  BOOST_TEST(Count(r.html, "class=\"mark crash\"") == 1u);
  BOOST_TEST(Count(r.html, "class=\"mark restart\"") == 1u);
  BOOST_TEST(r.html.find("class=\"down\"><title>n2 down 2.000s to 5.000s") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_hostile_path_is_escaped) {
  Recorded r;
  RunRecorded(ParseOrFail(kEventful, "eventful.toml"), &r);
  BOOST_TEST(r.html.find("<script>alert") == std::string::npos);
  BOOST_TEST(r.html.find("odd/&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; "
                         "&#39;x&#39;.txt") != std::string::npos);
  BOOST_TEST(r.html.find("odd &lt;name&gt;.toml") != std::string::npos);
  BOOST_TEST(r.html.find("odd <name>") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_failed_run_shows_the_violation_and_how_to_reproduce_it) {
  // n2 joins and pulls; its disk corrupts what it publishes: Safety fails.
  Scenario scenario = ParseOrFail(R"(
[cluster]
nodes = 1
[workload]
files = 3
[[action]]
at = "1s"
do = "add_node"
node = "n2"
)",
                                  "corrupting.toml");
  scenario.test_faults.nodes["n2"] = TestFault::kCorruptPublish;
  Recorded r;
  RunRecorded(scenario, &r);
  BOOST_REQUIRE(!r.result.ok());
  BOOST_TEST(r.html.find("class=\"verdict fail\"") != std::string::npos);
  BOOST_TEST(r.html.find("<span id=\"invariant\">Safety</span>") != std::string::npos);
  BOOST_TEST(r.html.find("<g id=\"violation\"><title>Safety FAILED at ") !=
             std::string::npos);
  BOOST_TEST(r.html.find("<code id=\"reproduce\">ddsim x.toml --seed 1</code>") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(marks_are_capped_and_the_page_says_so) {
  RunRecord record(5);
  record.Up(Instant{}, "n1");
  for (int i = 0; i < 20; ++i) {
    record.Note(Instant(std::chrono::seconds(i)), "n1",
                "n1: note " + std::to_string(i) + std::string(1000, 'x'));
  }
  BOOST_TEST(record.marks().size() == 5u);
  BOOST_TEST(record.dropped_marks() == 15u);
  BOOST_TEST((record.first_dropped() == Instant(std::chrono::seconds(5))));
  BOOST_TEST(record.marks()[0].text.size() <= RunRecord::kMaxText + 3);
  RunResult result;
  result.end = Instant(std::chrono::seconds(20));
  std::ostringstream html;
  WriteHtmlReport(html, record, result, {"cap.toml", "ddsim cap.toml --seed 1"});
  BOOST_TEST(Count(html.str(), "class=\"mark ") == 5u);
  BOOST_TEST(html.str().find("<p id=\"truncated\">Showing the first 5 marks; 15 more, "
                             "from 5.000s on") != std::string::npos);
}

}  // namespace
}  // namespace dds::sim
