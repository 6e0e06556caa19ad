// Goal: the ignore patterns mean what a .gitignore user expects, the
// defaults catch every common writer's scratch file and nothing ordinary,
// and a bad pattern is refused with a reason.
#include "core/ignore_filter.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

namespace dds {
namespace {

BOOST_AUTO_TEST_SUITE(ignore_filter)

BOOST_AUTO_TEST_CASE(defaults_catch_writers_scratch_files) {
  const IgnoreFilter filter(IgnoreFilter::Defaults());
  for (const char* path :
       {"up/.f1.bin.qrcHkS", ".notes.txt.swp", "d/.notes.txt.swx", "d/.a.swo",
        "#notes.txt#", "d/.#notes.txt", "notes.txt~", "iso/big.iso.part", "x.partial",
        "Downloads/film.mkv.crdownload", "a/b/c.tmp"}) {
    BOOST_TEST(filter.Ignored(path), path);
  }
  for (const char* path : {"up/f1.bin", "notes.txt", ".hidden", ".bashrc", "a.swp.txt",
                           "tmp/a.txt", "#notes", "a~b", "partial", "d/.config.json"}) {
    BOOST_TEST(!filter.Ignored(path), path);
  }
}

BOOST_AUTO_TEST_CASE(a_pattern_without_slash_matches_at_any_depth) {
  const IgnoreFilter filter({"*.log"});
  BOOST_TEST(filter.Ignored("a.log"));
  BOOST_TEST(filter.Ignored("x/y/a.log"));
  BOOST_TEST(!filter.Ignored("a.log.txt"));
}

BOOST_AUTO_TEST_CASE(a_slash_anchors_at_the_data_directory) {
  const IgnoreFilter filter({"/top.txt", "logs/*.gz"});
  BOOST_TEST(filter.Ignored("top.txt"));
  BOOST_TEST(!filter.Ignored("sub/top.txt"));
  BOOST_TEST(filter.Ignored("logs/a.gz"));
  BOOST_TEST(!filter.Ignored("x/logs/a.gz"));
  BOOST_TEST(!filter.Ignored("logs/deeper/a.gz"));  // * stops at a slash
}

BOOST_AUTO_TEST_CASE(double_star_spans_components) {
  const IgnoreFilter filter({"**/cache/**", "a/**/z.bin"});
  BOOST_TEST(filter.Ignored("cache/x"));
  BOOST_TEST(filter.Ignored("p/q/cache/r/s"));
  BOOST_TEST(filter.Ignored("a/z.bin"));
  BOOST_TEST(filter.Ignored("a/b/c/z.bin"));
  BOOST_TEST(!filter.Ignored("b/z.bin"));
}

BOOST_AUTO_TEST_CASE(an_ignored_directory_ignores_everything_below) {
  const IgnoreFilter filter({"build/", "node_modules"});
  BOOST_TEST(filter.Ignored("build/out.o"));
  BOOST_TEST(filter.Ignored("src/build/deep/out.o"));
  BOOST_TEST(!filter.Ignored("build"));  // a file named build: not a directory
  BOOST_TEST(filter.Ignored("web/node_modules/x/index.js"));
}

BOOST_AUTO_TEST_CASE(the_last_matching_pattern_decides) {
  const IgnoreFilter filter({"*.tmp", "!keep.tmp", "logs/", "!logs/a.txt"});
  BOOST_TEST(filter.Ignored("x.tmp"));
  BOOST_TEST(!filter.Ignored("keep.tmp"));
  BOOST_TEST(!filter.Ignored("d/keep.tmp"));
  // Below an ignored directory nothing comes back, as in git.
  BOOST_TEST(filter.Ignored("logs/a.txt"));
}

BOOST_AUTO_TEST_CASE(escapes_and_classes_are_globbing) {
  const IgnoreFilter filter({"\\#*", "file[0-9].bin", "\\!important", "a?c"});
  BOOST_TEST(filter.Ignored("#x"));
  BOOST_TEST(filter.Ignored("file7.bin"));
  BOOST_TEST(!filter.Ignored("filex.bin"));
  BOOST_TEST(filter.Ignored("!important"));
  BOOST_TEST(filter.Ignored("abc"));
  BOOST_TEST(!filter.Ignored("a/c"));
}

BOOST_AUTO_TEST_CASE(many_double_stars_stay_cheap) {
  const IgnoreFilter filter({"**/**/**/**/**/**/**/**/zz"});
  std::string path;
  for (int i = 0; i < 400; ++i) path += "a/";
  BOOST_TEST(!filter.Ignored(path + "b"));
  BOOST_TEST(filter.Ignored(path + "zz"));
}

BOOST_AUTO_TEST_CASE(bad_patterns_are_refused_with_a_reason) {
  for (const std::string& pattern :
       {std::string(""), std::string("!"), std::string("/"), std::string("#comment"),
        std::string("a//b"), std::string("a/../b"), std::string("./a"),
        std::string("a\nb"), std::string("tab\there"), std::string(257, 'x')}) {
    Status s = IgnoreFilter::CheckPattern(pattern);
    BOOST_TEST(!s.ok(), "accepted: " << pattern);
    BOOST_TEST(s.message().find("ignore pattern") != std::string::npos);
  }
  for (const std::string& pattern : IgnoreFilter::Defaults()) {
    BOOST_TEST(IgnoreFilter::CheckPattern(pattern).ok(), pattern);
  }
}

BOOST_AUTO_TEST_CASE(refused_patterns_are_skipped_and_no_pattern_ignores_nothing) {
  const IgnoreFilter none({});
  BOOST_TEST(!none.Ignored("a.tmp"));
  const IgnoreFilter bad({"#x", "a//b"});
  BOOST_TEST(!bad.Ignored("#x"));
  BOOST_TEST(!bad.Ignored("a/b"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
