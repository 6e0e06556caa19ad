// Goal: the JSON helpers every JSON answer is built from give exact bytes,
// including the edges (no elements, one element, characters to escape).
// Method: direct calls with small containers.
#include "runtime/http/http_common.h"

#include <boost/test/unit_test.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace dds::http {
namespace {

BOOST_AUTO_TEST_SUITE(json)

BOOST_AUTO_TEST_CASE(arrays_separate_elements_with_commas_only_between) {
  const auto number = [](int n) { return std::to_string(n); };
  BOOST_TEST(JsonArray(std::vector<int>{}, number) == "[]");
  BOOST_TEST(JsonArray(std::vector<int>{7}, number) == "[7]");
  BOOST_TEST(JsonArray(std::vector<int>{1, 2, 3}, number) == "[1,2,3]");
  BOOST_TEST(JsonArray(std::set<std::string>{"b", "a\""}, JsonQuote) ==
             "[\"a\\\"\",\"b\"]");
  const std::map<std::string, int> sizes = {{"x", 1}, {"y", 2}};
  BOOST_TEST(JsonArray(sizes, [](const auto& kv) {
               return "{" + JsonQuote(kv.first) + ":" + std::to_string(kv.second) + "}";
             }) == "[{\"x\":1},{\"y\":2}]");
}

BOOST_AUTO_TEST_CASE(quotes_escape_quotes_backslashes_and_controls) {
  BOOST_TEST(JsonQuote("") == "\"\"");
  BOOST_TEST(JsonQuote("a\"b\\c\n\x01") == "\"a\\\"b\\\\c\\u000a\\u0001\"");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds::http
