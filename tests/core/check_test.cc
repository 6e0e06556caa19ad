// Goal: DDS_CHECK stays on in every build (this test runs in release too):
// a violated invariant stops the process with one line naming it, and a
// held one costs nothing else. Method: violate one in a child process.
#include "core/check.h"

#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <csignal>
#include <string>

namespace dds {
namespace {

BOOST_AUTO_TEST_CASE(a_violated_check_aborts_with_its_condition) {
  int pipe_fds[2];
  BOOST_REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    ::dup2(pipe_fds[1], STDERR_FILENO);
    std::signal(SIGABRT, SIG_DFL);  // not Boost.Test's handler: die as a real process

    const int live_files = 0;
    DDS_CHECK(live_files > 0);
    ::_exit(0);  // not reached while the check is on
  }
  ::close(pipe_fds[1]);
  std::string said;
  char buffer[256];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;)
    said.append(buffer, n);
  ::close(pipe_fds[0]);
  int status = 0;
  BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_TEST((WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT));
  BOOST_TEST(said.find("invariant violated") != std::string::npos);
  BOOST_TEST(said.find("live_files > 0") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_held_check_does_nothing) {
  int evaluated = 0;
  DDS_CHECK(++evaluated == 1);
  BOOST_TEST(evaluated == 1);  // evaluated exactly once
}

}  // namespace
}  // namespace dds
