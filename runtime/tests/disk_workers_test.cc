// The disk workers and PosixFileStore::HashInBackground: a hash comes back
// later, on the io_context's thread, with what Hash would say; a stop drops
// what is not delivered yet and ends a hash under way.
#include "runtime/disk_workers.h"

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>
#include <optional>
#include <thread>

#include "runtime/posix_file_store.h"
#include "runtime/sha256.h"
#include "runtime/tests/test_util.h"

namespace dds {
namespace {

using testing::TempDir;
using testing::WriteFile;

// Runs every completion through the io_context, as the Env does.
DiskWorkers::Deliver Direct() {
  return [](const std::function<void()>& then) { then(); };
}

BOOST_AUTO_TEST_SUITE(disk_workers)

BOOST_AUTO_TEST_CASE(a_background_hash_comes_back_on_the_loop_with_the_digest) {
  TempDir dir;
  auto store = PosixFileStore::Open(dir / "data");
  BOOST_REQUIRE(store.ok());
  const std::string content(kChunkBytes * 3 + 7, 'q');
  WriteFile(dir / "data/big", content);
  boost::asio::io_context io;
  DiskWorkers workers(io, 2, Direct());
  (*store)->set_workers(&workers);
  std::optional<Result<FileDigest>> big, absent;
  const std::thread::id loop = std::this_thread::get_id();
  bool on_loop = true;
  (*store)->HashInBackground("big", [&](Result<FileDigest> hash) {
    on_loop = on_loop && std::this_thread::get_id() == loop;
    big.emplace(std::move(hash));
  });
  (*store)->HashInBackground("absent", [&](Result<FileDigest> hash) {
    on_loop = on_loop && std::this_thread::get_id() == loop;
    absent.emplace(std::move(hash));
  });
  BOOST_TEST((!big && !absent));  // never from within the call
  io.run();
  BOOST_TEST(on_loop);
  BOOST_REQUIRE((big && big->ok()));
  BOOST_TEST(((*big).value() == DigestOf(content)));
  BOOST_REQUIRE(absent.has_value());
  BOOST_TEST(absent->status().IsNotFound());
  (*store)->set_workers(nullptr);
}

BOOST_AUTO_TEST_CASE(stopping_drops_what_is_not_delivered) {
  boost::asio::io_context io;
  bool delivered = false;
  bool stopped_early = false;
  std::atomic<bool> started = false;
  {
    DiskWorkers workers(io, 1, Direct());
    workers.Run(
        [&](const std::atomic<bool>& stop) {
          started = true;
          // A long job that looks at the flag, as a hash does between reads.
          while (!stop.load()) std::this_thread::yield();
          stopped_early = true;
        },
        [&] { delivered = true; });
    while (!started.load()) std::this_thread::yield();
  }  // The destructor stops it and joins.
  io.run();
  BOOST_TEST(stopped_early);
  BOOST_TEST(!delivered);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
