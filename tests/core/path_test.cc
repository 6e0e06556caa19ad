// Goal: every hostile path is rejected with a reason, every ordinary one is
// accepted.
#include "core/path.h"

#include <boost/test/unit_test.hpp>
#include <string>

namespace dds {
namespace {

BOOST_AUTO_TEST_SUITE(path)

BOOST_AUTO_TEST_CASE(accepts_ordinary_paths) {
  for (const char* p :
       {"a", "a/b/c.txt", "dir with spaces/ü.txt", ".hidden", "a..b", "x/...y"}) {
    BOOST_TEST(ValidatePath(p).ok(), p);
  }
}

BOOST_AUTO_TEST_CASE(rejects_hostile_paths) {
  const std::string nul("a\0b", 3);
  for (const std::string& p :
       {std::string(""), std::string("/etc/passwd"), std::string(".."),
        std::string("a/../b"), std::string("a/./b"), std::string("a//b"),
        std::string("a/"), nul, std::string("a\\b"), std::string("a\nb"),
        std::string(".dds-stage/x"), std::string("d/.dds-state"), std::string(1025, 'a'),
        std::string(256, 'b')}) {
    Status s = ValidatePath(p);
    BOOST_TEST(!s.ok(), "accepted: " << p);
    BOOST_TEST((s.code() == Status::Code::kInvalidArgument));
    BOOST_TEST(!s.message().empty());
  }
}

BOOST_AUTO_TEST_CASE(error_names_the_reason) {
  BOOST_TEST(ValidatePath("a/../b").message().find("'..'") != std::string::npos);
  BOOST_TEST(ValidatePath("/x").message().find("absolute") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
