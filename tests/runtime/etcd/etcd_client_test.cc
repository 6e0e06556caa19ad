// The etcd client against a real etcd: leases, the election a standby
// master runs (a key created only if absent, bound to a lease, its
// create_revision the term), the fenced append of a log record, paged
// ranges of binary keys, endpoints that fail over, and etcd's refusals.
#define BOOST_TEST_MODULE etcd_test
#include "runtime/etcd/etcd_client.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "tests/runtime/etcd/etcd_server.h"

namespace dds::etcd {
namespace {

using testing::Etcd;
using testing::FreePort;
using testing::Url;

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
