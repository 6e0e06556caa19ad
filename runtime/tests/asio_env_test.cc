// AsioEnv's group commit: a message that claims something stored reaches the
// peer only after the metadata and the published files it may refer to are
// durable; requests do not wait; order per destination is kept.
#include "runtime/asio_env.h"

#include <sqlite3.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/test/unit_test.hpp>

#include "runtime/tests/test_util.h"

namespace dds {
namespace {

using testing::ReadFile;
using testing::RunUntil;
using testing::TempDir;

// A peer that records, on each delivery, whether the env's write of "k" was
// already committed (seen from a second connection to the database).
struct Peer : Transport::Delegate {
  Peer(boost::asio::io_context& io, const std::string& db_path)
      : transport(io), db(SqliteMetaStore::Open(db_path).value()) {
    transport.set_delegate(this);
    address = transport.Listen("127.0.0.1:0", "").value();
  }
  void OnMessages(const std::string&, std::vector<Message> batch) override {
    bool committed = false;
    BOOST_REQUIRE(db->Scan("k", [&](std::string_view, std::string_view) {
                      committed = true;
                    }).ok());
    for (auto& message : batch) received.push_back({std::move(message), committed});
  }
  void OnPeerLost(const std::string&) override {}

  Transport transport;
  std::unique_ptr<SqliteMetaStore> db;
  std::string address;
  std::vector<std::pair<Message, bool>> received;  // (message, "k" committed)
};

struct World {
  World()
      : meta(SqliteMetaStore::Open(dir / "env.db").value()),
        files(PosixFileStore::Open(dir / "data").value()),
        env(io, transport, *meta, files.get()),
        peer(io, dir / "env.db") {
    BOOST_REQUIRE(transport.Listen("127.0.0.1:0", "").ok());
  }
  TempDir dir;
  boost::asio::io_context io;
  Transport transport{io};
  std::unique_ptr<SqliteMetaStore> meta;
  std::unique_ptr<PosixFileStore> files;
  AsioEnv env;
  Peer peer;
};

BOOST_AUTO_TEST_SUITE(asio_env)

BOOST_AUTO_TEST_CASE(claims_wait_for_the_flush_and_keep_their_order) {
  World w;
  w.env.Call([&] {
    BOOST_REQUIRE(w.files->BeginStage("s").ok());
    BOOST_REQUIRE(w.files->WriteStage("s", 0, "content").ok());
    BOOST_REQUIRE(w.files->Publish("s", "f.txt").ok());
    BOOST_REQUIRE(w.env.Meta().Put("k", "v").ok());
    w.env.Send(w.peer.address, Haves{"n", {Holding{}}});
    w.env.Send(w.peer.address, Fetch{});  // a request, but behind the Haves
  });
  // The flush runs once the loop gets to it, or inline if the batch grew old
  // (kMaxBatchDelay: a loaded machine, a sanitizer build); either way no
  // claim has left before what it claims is durable.
  if (w.transport.stats().messages_out == 0) {
    BOOST_TEST(ReadFile(w.dir / "data/f.txt").empty());
  } else {
    BOOST_TEST(ReadFile(w.dir / "data/f.txt") == "content");
  }
  BOOST_REQUIRE(RunUntil(w.io, [&] { return w.peer.received.size() == 2; }));
  BOOST_TEST(std::holds_alternative<Haves>(w.peer.received[0].first));
  BOOST_TEST(w.peer.received[0].second);
  BOOST_TEST(std::holds_alternative<Fetch>(w.peer.received[1].first));
  BOOST_TEST(ReadFile(w.dir / "data/f.txt") == "content");
}

BOOST_AUTO_TEST_CASE(requests_do_not_wait_for_the_flush) {
  World w;
  // The transport counts a message when it takes it.
  w.env.Call([&] {
    BOOST_REQUIRE(w.env.Meta().Put("k", "v").ok());
    w.env.Send(w.peer.address, WhoHas{"n", {VersionRef{"f.txt", 1}}});
  });
  BOOST_TEST(w.transport.stats().messages_out == 1u);
  // A claim waits for the commit: the posted flush, or an inline one if the
  // batch is already old (a loaded machine), but never before the commit.
  w.env.Call([&] { w.env.Send(w.peer.address, HeartbeatAck{Cursor{1, 1}}); });
  BOOST_REQUIRE(RunUntil(w.io, [&] { return w.peer.received.size() == 2; }));
  BOOST_TEST(std::holds_alternative<WhoHas>(w.peer.received[0].first));
  BOOST_TEST(w.peer.received[1].second);
}

// What HTTP answers wait for: WhenDurable runs once the records and the
// published files of everything done so far are on disk.
BOOST_AUTO_TEST_CASE(when_durable_runs_after_the_flush) {
  World w;
  w.env.Call([&] {
    BOOST_REQUIRE(w.files->BeginStage("s").ok());
    BOOST_REQUIRE(w.files->WriteStage("s", 0, "uploaded").ok());
    BOOST_REQUIRE(w.files->Publish("s", "up.txt").ok());
    BOOST_REQUIRE(w.env.Meta().Put("k", "v").ok());
  });
  bool durable = false;
  bool committed_then = false;
  std::string file_then;
  w.env.WhenDurable([&] {
    durable = true;
    BOOST_REQUIRE(w.peer.db->Scan("k", [&](auto, auto) { committed_then = true; }).ok());
    file_then = ReadFile(w.dir / "data/up.txt");
  });
  BOOST_REQUIRE(RunUntil(w.io, [&] { return durable; }));
  BOOST_TEST(committed_then);
  BOOST_TEST(file_then == "uploaded");
}

// The flush runs off the loop. While its commit waits (here on the write
// lock another program holds, as it could wait on a slow disk) the loop
// goes on, and the batch's claims wait for the commit.
BOOST_AUTO_TEST_CASE(the_loop_goes_on_while_a_flush_waits) {
  World w;
  sqlite3* other = nullptr;
  BOOST_REQUIRE(sqlite3_open((w.dir / "env.db").c_str(), &other) == SQLITE_OK);
  BOOST_REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) ==
                SQLITE_OK);
  w.env.Call([&] {
    BOOST_REQUIRE(w.env.Meta().Put("k", "v").ok());
    w.env.Send(w.peer.address, HeartbeatAck{Cursor{1, 1}});
  });
  boost::asio::steady_timer timer(w.io, std::chrono::milliseconds(300));
  bool fired = false;
  timer.async_wait([&](boost::system::error_code) { fired = true; });
  BOOST_REQUIRE(RunUntil(
      w.io, [&] { return fired; }, std::chrono::seconds(5)));
  BOOST_TEST(w.peer.received.empty());
  bool durable = false;
  w.env.Call([&] {
    std::string value;
    BOOST_REQUIRE(w.env.Meta().Get("k", &value).ok());
    BOOST_TEST(value == "v");
    BOOST_REQUIRE(w.env.Meta().Put("k2", "v2").ok());
    w.env.WhenDurable([&] { durable = true; });
  });
  BOOST_REQUIRE(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(other);
  // The claim is sent once its batch lands; it reaches the peer a moment later.
  BOOST_REQUIRE(RunUntil(w.io, [&] { return durable && w.peer.received.size() == 1; }));
  BOOST_TEST(w.peer.received[0].second);
  std::string value;
  BOOST_TEST(w.peer.db->Get("k2", &value).ok());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
