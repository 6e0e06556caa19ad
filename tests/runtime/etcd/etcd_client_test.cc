// The etcd client against a real etcd: leases, the election a standby
// master runs (a key created only if absent, bound to a lease, its
// create_revision the term), the fenced append of a log record, paged
// ranges of binary keys, endpoints that fail over, and etcd's refusals.
#define BOOST_TEST_MODULE etcd_test
#include "runtime/etcd/etcd_client.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace dds::etcd {
namespace {

// A port nobody listens on now (the kernel's pick for an ephemeral bind).
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  BOOST_REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

http::BaseUrl Url(int port) {
  return http::ParseBaseUrl("http://127.0.0.1:" + std::to_string(port)).value();
}

// One etcd member in a temp dir, stopped (by its PID) and removed at the end.
class Etcd {
 public:
  Etcd()
      : dir_(std::filesystem::temp_directory_path() /
             ("dds-etcd-" + std::to_string(::getpid()))),
        port_(FreePort()) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    const std::string up = Start();
    if (!up.empty()) {
      Stop();
      BOOST_FAIL("etcd did not start: " + up);
    }
  }
  ~Etcd() { Stop(); }
  int port() const { return port_; }

 private:
  // Starts etcd; an empty string once it answers, else why not.
  std::string Start() {
    const char* binary = std::getenv("DDS_ETCD_BINARY");
    if (binary == nullptr) return "DDS_ETCD_BINARY is not set";
    const std::string client = "http://127.0.0.1:" + std::to_string(port_);
    const std::string peer = "http://127.0.0.1:" + std::to_string(FreePort());
    const std::vector<std::string> args = {binary,
                                           "--name",
                                           "m1",
                                           "--data-dir",
                                           (dir_ / "data").string(),
                                           "--listen-client-urls",
                                           client,
                                           "--advertise-client-urls",
                                           client,
                                           "--listen-peer-urls",
                                           peer,
                                           "--initial-advertise-peer-urls",
                                           peer,
                                           "--initial-cluster",
                                           "m1=" + peer};
    pid_ = ::fork();
    if (pid_ < 0) return "fork failed";
    if (pid_ == 0) {
      // Its log goes to a file in its dir, not into the test's output.
      const int log = ::open((dir_ / "log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(log, STDOUT_FILENO);
      ::dup2(log, STDERR_FILENO);
      std::vector<char*> argv;
      for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    Client probe({Url(port_)}, std::chrono::milliseconds(500));
    Result<RangeResult> answer = probe.Range("probe");
    for (int i = 0; i < 200 && !answer.ok(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      answer = probe.Range("probe");
    }
    return answer.ok() ? "" : answer.status().ToString();
  }
  void Stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    std::filesystem::remove_all(dir_);
  }

  const std::filesystem::path dir_;
  const int port_;
  pid_t pid_ = -1;
};

Client Connect(const Etcd& etcd) {
  return Client({Url(etcd.port())}, std::chrono::seconds(5));
}

// The campaign of docs/ha.md: create `leader` if it is absent, bound to
// `lease`; on failure, read who holds it.
Result<TxnResult> Campaign(Client& client, int64_t lease, const std::string& name) {
  return client.Txn({{"leader", Compare::Target::kCreateRevision, 0, ""}},
                    {{Op::Kind::kPut, "leader", name, lease, ""}},
                    {{Op::Kind::kRange, "leader", "", 0, ""}});
}

BOOST_AUTO_TEST_SUITE(etcd_client)

BOOST_AUTO_TEST_CASE(leases_live_while_kept_alive) {
  Etcd etcd;
  Client client = Connect(etcd);
  const int64_t lease = client.GrantLease(std::chrono::seconds(30)).value();
  BOOST_TEST(lease != 0);
  Result<std::chrono::seconds> left = client.KeepAlive(lease);
  BOOST_REQUIRE(left.ok());
  BOOST_TEST(left->count() > 0);
  BOOST_TEST(left->count() <= 30);
  BOOST_REQUIRE(client.RevokeLease(lease).ok());
  BOOST_TEST(client.KeepAlive(lease).status().IsNotFound());
  BOOST_TEST(client.RevokeLease(lease).IsNotFound());
}

BOOST_AUTO_TEST_CASE(one_leader_per_term_and_terms_grow) {
  Etcd etcd;
  Client client = Connect(etcd);
  const int64_t first = client.GrantLease(std::chrono::seconds(30)).value();
  const int64_t second = client.GrantLease(std::chrono::seconds(30)).value();
  Result<TxnResult> won = Campaign(client, first, "m1");
  BOOST_REQUIRE(won.ok());
  BOOST_TEST(won->succeeded);
  Result<TxnResult> lost = Campaign(client, second, "m2");
  BOOST_REQUIRE(lost.ok());
  BOOST_TEST(!lost->succeeded);
  BOOST_REQUIRE_EQUAL(lost->ranges.size(), 1u);
  BOOST_REQUIRE_EQUAL(lost->ranges[0].size(), 1u);
  const KeyValue leader = lost->ranges[0][0];
  BOOST_TEST(leader.value == "m1");
  BOOST_TEST(leader.lease == first);
  const int64_t term = leader.create_revision;
  BOOST_TEST(term == won->revision);
  // The leader's lease ends: the key goes with it, and the next leader's
  // term is larger.
  BOOST_REQUIRE(client.RevokeLease(first).ok());
  BOOST_TEST(client.Range("leader").value().kvs.empty());
  Result<TxnResult> next = Campaign(client, second, "m2");
  BOOST_REQUIRE(next.ok());
  BOOST_TEST(next->succeeded);
  BOOST_TEST(client.Range("leader").value().kvs.at(0).create_revision > term);
}

BOOST_AUTO_TEST_CASE(an_append_holds_only_for_the_current_term) {
  Etcd etcd;
  Client client = Connect(etcd);
  const int64_t lease = client.GrantLease(std::chrono::seconds(30)).value();
  BOOST_REQUIRE(Campaign(client, lease, "m1").value().succeeded);
  const int64_t term = client.Range("leader").value().kvs.at(0).create_revision;
  auto append = [&](int64_t as_term, const std::string& index,
                    const std::string& record) {
    return client
        .Txn({{"leader", Compare::Target::kCreateRevision, as_term, ""},
              {"log/" + index, Compare::Target::kCreateRevision, 0, ""}},
             {{Op::Kind::kPut, "log/" + index, record, 0, ""}}, {})
        .value()
        .succeeded;
  };
  BOOST_TEST(append(term, "1", "batch one"));
  BOOST_TEST(!append(term, "1", "batch one again"));  // the index is taken
  BOOST_TEST(!append(term - 1, "2", "a deposed leader's"));
  BOOST_TEST(append(term, "2", "batch two"));
  RangeResult log = client.Range("log/", RangeEnd("log/")).value();
  BOOST_REQUIRE_EQUAL(log.kvs.size(), 2u);
  BOOST_TEST(log.kvs[0].value == "batch one");
  BOOST_TEST(log.kvs[1].value == "batch two");
}

BOOST_AUTO_TEST_CASE(ranges_page_binary_keys_in_order) {
  Etcd etcd;
  Client client = Connect(etcd);
  const std::string binary("k\0\xff", 3);
  std::vector<Op> puts;
  for (const std::string& key :
       {std::string("p/b"), std::string("p/a"), "p/" + binary, std::string("q/x")}) {
    puts.push_back({Op::Kind::kPut, key, key == "p/a" ? "" : "v-" + key, 0, ""});
  }
  BOOST_REQUIRE(client.Txn({}, puts, {}).value().succeeded);
  RangeResult page = client.Range("p/", RangeEnd("p/"), 2).value();
  BOOST_REQUIRE_EQUAL(page.kvs.size(), 2u);
  BOOST_TEST(page.more);
  BOOST_TEST(page.kvs[0].key == "p/a");
  BOOST_TEST(page.kvs[0].value.empty());
  BOOST_TEST(page.kvs[1].key == "p/b");
  RangeResult rest = client.Range(page.kvs[1].key + '\0', RangeEnd("p/"), 2).value();
  BOOST_REQUIRE_EQUAL(rest.kvs.size(), 1u);
  BOOST_TEST(!rest.more);
  BOOST_TEST(rest.kvs[0].key == "p/" + binary);
  BOOST_TEST(rest.kvs[0].value == "v-p/" + binary);
  // Trimming, then forgetting the history.
  BOOST_REQUIRE(
      client.Txn({}, {{Op::Kind::kDeleteRange, "p/", "", 0, RangeEnd("p/")}}, {})
          .value()
          .succeeded);
  // Every key there is.
  RangeResult left = client.Range(std::string(1, '\0'), RangeEnd("")).value();
  BOOST_REQUIRE_EQUAL(left.kvs.size(), 1u);
  BOOST_TEST(left.kvs[0].key == "q/x");
  BOOST_REQUIRE(client.Compact(left.revision).ok());
  BOOST_TEST(!client.Compact(left.revision).ok());  // already compacted
}

BOOST_AUTO_TEST_CASE(endpoints_fail_over_and_refusals_are_errors) {
  Etcd etcd;
  // The first endpoint has nobody listening.
  Client client({Url(FreePort()), Url(etcd.port())}, std::chrono::seconds(2));
  BOOST_REQUIRE(client.Txn({}, {{Op::Kind::kPut, "k", "v", 0, ""}}, {}).ok());
  BOOST_TEST(client.Range("k").value().kvs.at(0).value == "v");
  // etcd refuses a put bound to a lease it does not know.
  Result<TxnResult> refused = client.Txn({}, {{Op::Kind::kPut, "k", "w", 12345, ""}}, {});
  BOOST_TEST(!refused.ok());
  BOOST_TEST(client.Range("k").value().kvs.at(0).value == "v");
  Client nobody({Url(FreePort())}, std::chrono::seconds(2));
  Result<RangeResult> none = nobody.Range("k");
  BOOST_TEST(!none.ok());
  BOOST_TEST(none.status().ToString().find("etcd at http://127.0.0.1:") !=
             std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds::etcd
