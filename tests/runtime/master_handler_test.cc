// Goal: the master's HTTP API reports status and catalog faithfully,
// redirects only to live holders of the current version, and guards upload
// and delete with the admin token. Method: MasterHandler over a fake
// MasterBackend; requests are raw bytes fed through Beast's parser.
#include "runtime/http/master_handler.h"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <map>

#include "runtime/tls/credentials.h"
#include "tests/runtime/http_test_util.h"

namespace dds::http {
namespace {

using testing::Body;
using testing::Code;
using testing::Header;
using testing::Make;

class FakeMaster final : public MasterBackend {
 public:
  std::vector<NodeStatus> Nodes() const override { return nodes_; }
  bool Converged() const override { return false; }
  const Catalog& catalog() const override { return catalog_; }
  std::vector<NodeStatus> LiveHolders(const std::string& path) const override {
    std::vector<NodeStatus> live;
    for (const NodeStatus& node : nodes_) {
      if (node.up && holders_.count(path) != 0 &&
          holders_.at(path).count(node.name) != 0) {
        live.push_back(node);
      }
    }
    return live;
  }
  size_t decisions_pending() const override { return 0; }
  std::optional<CertIdentity> OwnCertificate() const override { return own_cert_; }
  std::optional<CertIdentity> CertificateOf(const std::string& member) const override {
    auto it = certs_.find(member);
    if (it == certs_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<AgedEvent> RecentEvents() const override { return events_; }
  Result<CatalogEntry> Remove(const std::string& path) override {
    const Catalog::Slot* entry = catalog_.Find(path);
    if (entry == nullptr || entry->tombstone) return Status::NotFound(path);
    const CatalogEntry tombstone = testing::MakeEntry(path, entry->version + 1, 0, true);
    catalog_.Apply(tombstone);
    return tombstone;
  }
  Result<CatalogEntry> Move(const std::string& from, const std::string& to) override {
    const Catalog::Slot* entry = catalog_.Find(from);
    if (entry == nullptr || entry->tombstone) return Status::NotFound(from);
    if (catalog_.Find(to) != nullptr) return Status::InvalidArgument(to + " exists");
    const CatalogEntry moved = testing::MakeEntry(to, 1, entry->size);
    catalog_.Apply(moved);
    catalog_.Apply(testing::MakeEntry(from, entry->version + 1, 0, true));
    return moved;
  }
  const IgnoreRules& ignore_rules() const override { return ignore_; }
  bool Ignored(std::string_view path) const override {
    return IgnoreFilter(ignore_.patterns).Ignored(path);
  }
  Result<IgnoreRules> AddIgnore(const std::string& pattern) override {
    if (Status s = IgnoreFilter::CheckPattern(pattern); !s.ok()) return s;
    ignore_.patterns.push_back(pattern);
    ++ignore_.version;
    return ignore_;
  }
  Result<IgnoreRules> RemoveIgnore(const std::string& pattern) override {
    auto it = std::find(ignore_.patterns.begin(), ignore_.patterns.end(), pattern);
    if (it == ignore_.patterns.end()) return Status::NotFound("not listed: " + pattern);
    ignore_.patterns.erase(it);
    ++ignore_.version;
    return ignore_;
  }

  std::vector<NodeStatus> nodes_;
  Catalog catalog_;
  std::map<std::string, std::set<std::string>> holders_;
  std::optional<CertIdentity> own_cert_;
  std::map<std::string, CertIdentity> certs_;
  std::vector<AgedEvent> events_;
  IgnoreRules ignore_{1, {"*.tmp"}};
};

NodeStatus MakeNode(std::string name, bool up, std::string http) {
  NodeStatus node;
  node.name = std::move(name);
  node.up = up;
  node.http_url = std::move(http);
  node.peer_address = "127.0.0.1:1";
  node.files_current = 1;
  node.files_behind = 2;
  node.bytes_behind = 30;
  return node;
}

struct Fixture {
  Fixture() : handler(master, "tok", counters) {
    master.nodes_ = {MakeNode("n1", true, "http://127.0.0.1:8001"),
                     MakeNode("n2", false, "http://127.0.0.1:8002"),
                     MakeNode("n3", true, "http://127.0.0.1:8003")};
    master.catalog_.Apply(testing::MakeEntry("a b.txt", 2, 5));
    master.catalog_.Apply(testing::MakeEntry("gone", 3, 0, true));
    master.catalog_.Apply(testing::MakeEntry("orphan", 1, 5));
    master.holders_["a b.txt"] = {"n1", "n2"};
    master.holders_["orphan"] = {"n2"};
  }
  Response Answer(const Request& request) {
    MasterDecision decision = handler.Handle(request);
    BOOST_REQUIRE(std::holds_alternative<Response>(decision));
    return std::move(std::get<Response>(decision));
  }
  Response Get(std::string_view target) { return Answer(Make("GET", target)); }

  FakeMaster master;
  HttpCounters counters;
  MasterHandler handler;
};

BOOST_FIXTURE_TEST_SUITE(master_handler, Fixture)

BOOST_AUTO_TEST_CASE(status_shows_certificate_expiry_and_warns_ahead) {
  using std::chrono::hours;
  using std::chrono::system_clock;
  const auto in_a_year =
      std::chrono::floor<std::chrono::seconds>(system_clock::now()) + hours(24 * 365);
  master.own_cert_ = CertIdentity{"master", Role::kMaster, in_a_year};
  master.certs_["n1"] = CertIdentity{"n1", Role::kNode, system_clock::now() + hours(24)};
  master.certs_["n3"] = CertIdentity{"n3", Role::kNode, in_a_year};
  const std::string json = Body(Get("/api/status"));
  BOOST_TEST(json.find("\"master_cert_expires\":\"" + FormatExpiry(in_a_year) +
                       "\",\"master_cert_expires_soon\":false") != std::string::npos);
  BOOST_TEST(json.find("\"http_address\":\"127.0.0.1:8001\"") <
             json.find("\"cert_expires_soon\":true"));
  BOOST_TEST(json.find("\"cert_expires_soon\":true") < json.find("\"name\":\"n2\""));
  BOOST_TEST(json.find("\"cert_expires\":\"" + FormatExpiry(in_a_year) +
                       "\",\"cert_expires_soon\":false}]") != std::string::npos);  // n3
}

BOOST_AUTO_TEST_CASE(status_and_catalog_json) {
  Response status = Get("/api/status");
  BOOST_TEST(Code(status) == 200u);
  const std::string json = Body(status);
  BOOST_TEST(json.starts_with(
      "{\"converged\":false,\"files\":2,\"bytes\":10,\"master_cert_expires\":\"\","
      "\"master_cert_expires_soon\":false,\"nodes\":[{"));
  BOOST_TEST(json.find("{\"name\":\"n2\",\"up\":false,\"peer_address\":\"127.0.0.1:1\","
                       "\"http_address\":\"127.0.0.1:8002\","
                       "\"http_url\":\"http://127.0.0.1:8002\",\"disk_full\":false,"
                       "\"files_current\":1,\"files_behind\":2,\"bytes_behind\":30,"
                       "\"synced\":false,\"watch_incomplete\":false,\"transfers\":0,"
                       "\"refused_names\":0,"
                       "\"cert_expires\":\"\",\"cert_expires_soon\":false}") !=
             std::string::npos);
  BOOST_TEST(json.ends_with(
      ",\"events\":[],\"ignore\":{\"version\":1,\"patterns\":[\"*.tmp\"]}}\n"));
  const std::string files = Body(Get("/api/files"));
  BOOST_TEST(files.find("{\"path\":\"gone\",\"version\":3,\"size\":0,\"hash\":\"\","
                        "\"tombstone\":true,\"origin\":\"n1\"}") != std::string::npos);
  BOOST_TEST(Body(Get("/mirrors")) ==
             "{\"mirrors\":[{\"name\":\"n1\",\"url\":\"http://127.0.0.1:8001/data/\"},"
             "{\"name\":\"n3\",\"url\":\"http://127.0.0.1:8003/data/\"}]}\n");
}

BOOST_AUTO_TEST_CASE(the_catalog_comes_in_pages) {
  std::string page = Body(Get("/api/files?limit=2"));
  BOOST_TEST(page.find("\"path\":\"a b.txt\"") != std::string::npos);
  BOOST_TEST(page.find("\"path\":\"gone\"") != std::string::npos);
  BOOST_TEST(page.find("\"path\":\"orphan\"") == std::string::npos);
  BOOST_TEST(page.ends_with(",\"next\":\"gone\"}\n"));
  page = Body(Get("/api/files?limit=2&after=gone"));
  BOOST_TEST(page.find("\"path\":\"orphan\"") != std::string::npos);
  BOOST_TEST(page.ends_with(",\"next\":\"\"}\n"));
  page = Body(Get("/api/files?prefix=or"));
  BOOST_TEST(page.find("\"path\":\"orphan\"") != std::string::npos);
  BOOST_TEST(page.find("\"path\":\"gone\"") == std::string::npos);
  page = Body(Get("/api/files?after=a%20b.txt&limit=1"));
  BOOST_TEST(page.starts_with("{\"files\":[{\"path\":\"gone\""));
  BOOST_TEST(Code(Get("/api/files?limit=0")) == 400u);
  BOOST_TEST(Code(Get("/api/files?limit=10001")) == 400u);
  BOOST_TEST(Code(Get("/api/files?limit=x")) == 400u);
  BOOST_TEST(Code(Get("/api/files?after=%zz")) == 400u);
}

BOOST_AUTO_TEST_CASE(redirects_to_a_live_holder_only) {
  for (int i = 0; i < 3; ++i) {
    Response r = Get("/data/a%20b.txt");
    BOOST_TEST(Code(r) == 302u);
    BOOST_TEST(Header(r, bhttp::field::location) ==
               "http://127.0.0.1:8001/data/a%20b.txt");
  }
  BOOST_TEST(Code(Get("/data/orphan")) == 503u);  // Its only holder is down.
  BOOST_TEST(Code(Get("/data/gone")) == 404u);    // Tombstoned.
  BOOST_TEST(Code(Get("/data/unknown")) == 404u);
  BOOST_TEST(Code(Get("/data/%2e%2e/etc/passwd")) == 400u);
  Response listing = Get("/data/");
  BOOST_TEST(Code(listing) == 302u);
  BOOST_TEST(Header(listing, bhttp::field::location).ends_with("/data/"));
}

BOOST_AUTO_TEST_CASE(over_https_redirects_only_to_https_mirrors) {
  master.nodes_.push_back(MakeNode("n4", true, "https://127.0.0.1:8004"));
  master.nodes_.push_back(MakeNode("n5", true, "ftp://127.0.0.1:8005"));
  master.nodes_.push_back(MakeNode("n6", true, "127.0.0.1:8006"));
  master.holders_["a b.txt"] = {"n1", "n4", "n5", "n6"};
  MasterHandler https(master, "tok", counters, /*https=*/true);
  const auto location = [](MasterHandler& h) {
    MasterDecision d = h.Handle(Make("GET", "/data/a%20b.txt"));
    return Header(std::get<Response>(d), bhttp::field::location);
  };
  for (int i = 0; i < 4; ++i) {
    BOOST_TEST(location(https) == "https://127.0.0.1:8004/data/a%20b.txt");
  }
  // Plain HTTP may go either way, never to an address that is not a URL.
  std::set<std::string> seen;
  for (int i = 0; i < 4; ++i) seen.insert(location(handler));
  BOOST_TEST(seen == (std::set<std::string>{"http://127.0.0.1:8001/data/a%20b.txt",
                                            "https://127.0.0.1:8004/data/a%20b.txt"}));
  MasterDecision mirrors = https.Handle(Make("GET", "/mirrors"));
  BOOST_TEST(
      Body(std::get<Response>(mirrors)) ==
      "{\"mirrors\":[{\"name\":\"n4\",\"url\":\"https://127.0.0.1:8004/data/\"}]}\n");
  master.holders_["a b.txt"] = {"n1"};
  BOOST_TEST(Code(std::get<Response>(https.Handle(Make("GET", "/data/a%20b.txt")))) ==
             503u);
}

BOOST_AUTO_TEST_CASE(upload_needs_the_token_and_picks_a_live_node) {
  BOOST_TEST(Code(Answer(Make("PUT", "/data/new", "", "abc"))) == 401u);
  BOOST_TEST(Code(Answer(Make("PUT", "/data/new", "Authorization: Bearer nope\r\n",
                              "abc"))) == 401u);
  for (const char* expected : {"http://127.0.0.1:8001", "http://127.0.0.1:8003"}) {
    MasterDecision d =
        handler.Handle(Make("PUT", "/data/new", "Authorization: Bearer tok\r\n", "x"));
    BOOST_REQUIRE(std::holds_alternative<UploadForward>(d));
    BOOST_TEST(std::get<UploadForward>(d).node.ToString() == expected);
    BOOST_TEST(std::get<UploadForward>(d).path == "new");
  }
  for (NodeStatus& node : master.nodes_) node.up = false;
  BOOST_TEST(Code(Answer(Make("PUT", "/data/new", "Authorization: Bearer tok\r\n",
                              "x"))) == 503u);
}

BOOST_AUTO_TEST_CASE(ignore_patterns_are_read_by_anyone_and_changed_by_the_admin) {
  BOOST_TEST(Body(Get("/api/ignore")) == "{\"version\":1,\"patterns\":[\"*.tmp\"]}\n");
  BOOST_TEST(Code(Answer(Make("POST", "/api/ignore?add=*.log"))) == 401u);
  const std::string token = "Authorization: Bearer tok\r\n";
  Response added = Answer(Make("POST", "/api/ignore?add=%2A.log", token));
  BOOST_TEST(Code(added) == 200u);
  BOOST_TEST(Body(added) == "{\"version\":2,\"patterns\":[\"*.tmp\",\"*.log\"]}\n");
  // A bad pattern, a missing one, and a confused request change nothing.
  BOOST_TEST(Code(Answer(Make("POST", "/api/ignore?add=%23x", token))) == 400u);
  BOOST_TEST(Code(Answer(Make("POST", "/api/ignore?remove=nope", token))) == 404u);
  BOOST_TEST(Code(Answer(Make("POST", "/api/ignore?add=a&remove=b", token))) == 400u);
  BOOST_TEST(Code(Answer(Make("POST", "/api/ignore", token))) == 400u);
  BOOST_TEST(Code(Answer(Make("DELETE", "/api/ignore", token))) == 405u);
  BOOST_TEST(master.ignore_.version == 2u);
  BOOST_TEST(Code(Answer(Make("POST", "/api/ignore?remove=*.tmp", token))) == 200u);
  BOOST_TEST(master.ignore_.patterns == std::vector<std::string>{"*.log"});
}

BOOST_AUTO_TEST_CASE(a_move_needs_the_token_and_two_paths) {
  const std::string token = "Authorization: Bearer tok\r\n";
  BOOST_TEST(Code(Answer(Make("POST", "/api/mv?from=orphan&to=new"))) == 401u);
  BOOST_TEST(Code(Answer(Make("POST", "/api/mv?from=orphan", token))) == 400u);
  BOOST_TEST(Code(Answer(Make("GET", "/api/mv?from=orphan&to=new", token))) == 405u);
  BOOST_TEST(Code(Answer(Make("POST", "/api/mv?from=nothing&to=new", token))) == 404u);
  BOOST_TEST(Code(Answer(Make("POST", "/api/mv?from=orphan&to=a%20b.txt", token))) ==
             400u);
  Response moved = Answer(Make("POST", "/api/mv?from=orphan&to=d%2Fnew", token));
  BOOST_TEST(Code(moved) == 200u);
  BOOST_TEST(Body(moved).find("\"path\":\"d/new\"") != std::string::npos);
  BOOST_TEST(master.catalog_.Find("orphan")->tombstone);
}

BOOST_AUTO_TEST_CASE(an_upload_to_an_ignored_path_is_refused) {
  Response refused =
      Answer(Make("PUT", "/data/x/a.tmp", "Authorization: Bearer tok\r\n", "abc"));
  BOOST_TEST(Code(refused) == 400u);
  BOOST_TEST(Body(refused).find("ignore") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(delete_needs_the_token) {
  BOOST_TEST(Code(Answer(Make("DELETE", "/data/a%20b.txt"))) == 401u);
  BOOST_TEST(!master.catalog_.Find("a b.txt")->tombstone);
  Response ok =
      Answer(Make("DELETE", "/data/a%20b.txt", "Authorization: Bearer tok\r\n"));
  BOOST_TEST(Code(ok) == 200u);
  BOOST_TEST(Body(ok).find("\"version\":3") != std::string::npos);
  BOOST_TEST(master.catalog_.Find("a b.txt")->tombstone);
  BOOST_TEST(Code(Answer(Make("DELETE", "/data/a%20b.txt",
                              "Authorization: Bearer tok\r\n"))) == 404u);

  HttpCounters none;
  MasterHandler no_token(master, "", none);
  MasterDecision d =
      no_token.Handle(Make("DELETE", "/data/orphan", "Authorization: Bearer \r\n"));
  BOOST_TEST(Code(std::get<Response>(d)) == 403u);
}

BOOST_AUTO_TEST_CASE(status_lists_the_latest_events_newest_first) {
  master.events_ = {{std::chrono::milliseconds(1500), "node n2 is down"},
                    {std::chrono::seconds(90), "conflict on \"a\""}};
  BOOST_TEST(Body(Get("/api/status"))
                 .find(",\"events\":[{\"age_ms\":1500,\"text\":\"node n2 is down\"},"
                       "{\"age_ms\":90000,\"text\":\"conflict on \\\"a\\\"\"}],") !=
             std::string::npos);
}

// The page is the state, rendered on the server: a reader without
// JavaScript sees the same tables. Names and paths are escaped, and the
// page forbids inline script besides.
BOOST_AUTO_TEST_CASE(the_dashboard_renders_nodes_and_events_escaped) {
  master.nodes_[0].transfers = 3;
  master.nodes_[2].disk_full = true;
  master.events_ = {{std::chrono::seconds(4), "conflict on <script>alert(1)</script>&"}};
  Response page = Get("/");
  BOOST_TEST(Code(page) == 200u);
  BOOST_TEST(Header(page, "Content-Type") == "text/html; charset=utf-8");
  BOOST_TEST(Header(page, "Content-Security-Policy").find("script-src 'self'") !=
             std::string::npos);
  const std::string html = Body(page);
  BOOST_TEST(html.find("<tr data-node=\"n1\" class=\"node up\"><td>n1</td>"
                       "<td class=\"state ok\">up</td><td class=\"num\">1</td>"
                       "<td class=\"num\">2</td><td class=\"num\">30 B</td>"
                       "<td class=\"num\">3</td><td class=\"disk\">ok</td>") !=
             std::string::npos);
  BOOST_TEST(html.find("<tr data-node=\"n2\" class=\"node down\"><td>n2</td>"
                       "<td class=\"state bad\">down</td>") != std::string::npos);
  BOOST_TEST(html.find("<td class=\"disk bad\">full</td>") != std::string::npos);
  BOOST_TEST(html.find("2 files, 10 B") != std::string::npos);
  BOOST_TEST(html.find("2 of 3 nodes up") != std::string::npos);
  BOOST_TEST(html.find("<td class=\"muted\">4 s ago</td><td>conflict on "
                       "&lt;script&gt;alert(1)&lt;/script&gt;&amp;</td>") !=
             std::string::npos);
  BOOST_TEST(html.find("<script>alert") == std::string::npos);
  Response script = Get("/dashboard.js");
  BOOST_TEST(Code(script) == 200u);
  BOOST_TEST(Body(script).find("replaceWith") != std::string::npos);
  BOOST_TEST(Code(Answer(Make("POST", "/"))) == 405u);
}

BOOST_AUTO_TEST_CASE(sizes_and_ages_read_as_people_read_them) {
  BOOST_TEST(HumanBytes(0) == "0 B");
  BOOST_TEST(HumanBytes(1023) == "1023 B");
  BOOST_TEST(HumanBytes(1536) == "1.5 KiB");
  BOOST_TEST(HumanBytes(5ull << 40) == "5.0 TiB");
  BOOST_TEST(HumanDuration(std::chrono::seconds(119)) == "119 s");
  BOOST_TEST(HumanDuration(std::chrono::seconds(600)) == "10 min");
  BOOST_TEST(HumanDuration(std::chrono::hours(5)) == "5 h");
  BOOST_TEST(HumanDuration(std::chrono::hours(72)) == "3 d");
}

BOOST_AUTO_TEST_CASE(health_metrics_and_methods) {
  BOOST_TEST(Code(Get("/healthz")) == 200u);
  const std::string metrics = Body(Get("/metrics"));
  BOOST_TEST(metrics.find("dds_master_nodes_up 2\n") != std::string::npos);
  BOOST_TEST(metrics.find("dds_master_nodes_down 1\n") != std::string::npos);
  BOOST_TEST(metrics.find("dds_master_bytes_behind 90\n") != std::string::npos);
  BOOST_TEST(Code(Answer(Make("POST", "/api/status"))) == 405u);
  BOOST_TEST(Code(Answer(Make("PATCH", "/data/x"))) == 405u);
  BOOST_TEST(Code(Get("/api/status?pretty=1")) == 200u);
  BOOST_TEST(Code(Get("/nope")) == 404u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds::http
