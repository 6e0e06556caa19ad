// Goal: an HTTP thread's cache gives back the core's answer only while the
// core's epoch is the one it answered at, keeps no answer older than what
// it holds, and holds no more than it may. Method: ServedFileCache alone,
// with answers that need no file behind them.
#include "runtime/http/file_cache.h"

#include <boost/test/unit_test.hpp>

namespace dds::http {
namespace {

std::shared_ptr<const ServableFile> Answer() {
  return std::make_shared<const ServableFile>(ServableFile{
      std::make_shared<const FileSource>(UniqueFd(), 0), "\"e\"", 0, "", ""});
}

BOOST_AUTO_TEST_SUITE(file_cache)

BOOST_AUTO_TEST_CASE(an_answer_lasts_as_long_as_its_epoch) {
  ServedFileCache cache(8);
  const auto a = Answer();
  cache.Put("a", 4, a);
  BOOST_TEST(cache.Find("a", 4) == a);
  BOOST_TEST(cache.Find("b", 4) == nullptr);
  BOOST_TEST(cache.Find("a", 5) == nullptr);  // the core ran something since
  cache.Put("a", 4, a);                       // an answer from before that
  BOOST_TEST(cache.Find("a", 5) == nullptr);
  cache.Put("a", 5, a);
  cache.Expire(5);
  BOOST_TEST(cache.Find("a", 5) == a);
  cache.Expire(6);
  BOOST_TEST(cache.Find("a", 6) == nullptr);
}

BOOST_AUTO_TEST_CASE(full_starts_over) {
  ServedFileCache cache(2);
  cache.Put("a", 1, Answer());
  cache.Put("b", 1, Answer());
  cache.Put("c", 1, Answer());
  BOOST_TEST(cache.Find("a", 1) == nullptr);
  BOOST_TEST(cache.Find("c", 1) != nullptr);
  ServedFileCache none(0);
  none.Put("a", 1, Answer());
  BOOST_TEST(none.Find("a", 1) == nullptr);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds::http
