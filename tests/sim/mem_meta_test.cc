// Goal: the in-memory MetaStore answers exactly as a plain sorted map of
// whole keys would, though it stores keys split after their first '/'.
// Method: random puts and deletes over keys chosen to stress the split
// (no slash, several heads sharing a prefix, an empty tail), checked
// against a std::map after each step, for every prefix of interest.
#include "sim/mem_meta.h"

#include <boost/test/unit_test.hpp>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/random.h"

namespace dds::sim {
namespace {

using Records = std::vector<std::pair<std::string, std::string>>;

Records Expected(const std::map<std::string, std::string>& model,
                 const std::string& prefix) {
  Records out;
  for (const auto& [key, value] : model) {
    if (key.starts_with(prefix)) out.emplace_back(key, value);
  }
  return out;
}

// With a hook, writes since the last commit can be rolled back, as a crash
// before the flush rolls back the runtime's open transaction.
BOOST_AUTO_TEST_CASE(rollback_undoes_the_writes_since_the_commit) {
  MemMetaStore store;
  int begun = 0;
  store.set_on_begin([&] { ++begun; });
  BOOST_REQUIRE(store.Put("a", "1").ok());
  BOOST_REQUIRE(store.Put("b", "1").ok());
  store.Commit();
  BOOST_REQUIRE(store.Put("a", "2").ok());
  BOOST_REQUIRE(store.Put("a", "3").ok());
  BOOST_REQUIRE(store.Delete("b").ok());
  BOOST_REQUIRE(store.Put("c", "1").ok());
  BOOST_TEST(begun == 2);
  BOOST_TEST(store.in_transaction());
  store.Rollback();
  std::string value;
  BOOST_REQUIRE(store.Get("a", &value).ok());
  BOOST_TEST(value == "1");
  BOOST_TEST(store.Get("b", &value).ok());
  BOOST_TEST(store.Get("c", &value).IsNotFound());
  BOOST_TEST(!store.in_transaction());
}

BOOST_AUTO_TEST_CASE(meta_store_matches_a_sorted_map) {
  const std::vector<std::string> keys = {"a",
                                         "a/",
                                         "a/x",
                                         "a-b/x",
                                         "a.b",
                                         "ab",
                                         "ab/",
                                         "ab/c/d",
                                         "local/data/1",
                                         "local/data/10",
                                         "local/data/2",
                                         "local/d/1",
                                         "locale",
                                         "catalog/x",
                                         "peer/n1",
                                         "peer/n10",
                                         ""};
  const std::vector<std::string> prefixes = {
      "",      "a",      "a/",         "ab", "ab/c", "loc", "local/", "local/data/1",
      "peer/", "peer/n", "catalog/xy", "zzz"};
  MemMetaStore store;
  std::map<std::string, std::string> model;
  SplitMix64 random(7);
  for (int step = 0; step < 400; ++step) {
    const std::string& key = keys[UniformBelow(random.Next(), keys.size())];
    if (random.Next() % 3 == 0) {
      BOOST_TEST(store.Delete(key).ok());
      model.erase(key);
    } else {
      std::string value = "v" + std::to_string(step);
      BOOST_TEST(store.Put(key, value).ok());
      model[key] = value;
    }
    std::string value;
    auto known = model.find(key);
    Status got_one = store.Get(key, &value);
    BOOST_TEST(got_one.ok() == (known != model.end()));
    if (known != model.end()) BOOST_TEST(value == known->second);
    for (const std::string& prefix : prefixes) {
      Records got;
      BOOST_TEST(store
                     .Scan(prefix,
                           [&](std::string_view k, std::string_view v) {
                             got.emplace_back(std::string(k), std::string(v));
                           })
                     .ok());
      BOOST_TEST_CONTEXT("step " << step << " prefix '" << prefix << "'") {
        BOOST_TEST((got == Expected(model, prefix)));
      }
    }
  }
}

}  // namespace
}  // namespace dds::sim
