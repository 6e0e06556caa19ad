// Goal: with several HTTP threads, a GET is answered only with what the core
// would serve at that moment: never a version the core replaced or removed
// before the request was sent, never bytes of one version under another's
// ETag, never a short body. Method: a NodeHttpServer with three threads over
// a fake node whose state only the core's thread changes, inside
// AsioEnv::Call and through the real PosixFileStore, as dds::Node does (a
// new version is published by rename at the Env's flush, a removal
// unlinks); client threads GET over keep-alive connections meanwhile and
// check every answer against the core's progress before and after it.
#include "runtime/http/node_http.h"

#include <sys/stat.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/address.h"
#include "runtime/tests/test_util.h"

namespace dds::http {
namespace {

using tcp = net::ip::tcp;

constexpr char kChanging[] = "v.bin";
constexpr char kStable[] = "stable.bin";
constexpr uint64_t kStableVersion = 1000;

// Version v of a file: its size and its one repeated byte tell v, and so
// does its (fake) digest.
std::string Content(uint64_t v) { return std::string(100 + v * 7, char('a' + v % 26)); }
Digest DigestOf(uint64_t v) {
  Digest d;
  d.bytes.fill(static_cast<uint8_t>(v % 251));
  d.bytes[0] = static_cast<uint8_t>(v >> 8);
  return d;
}

// The node as the HTTP server sees it; only the core's thread touches it.
class CoreNode final : public NodeBackend {
 public:
  explicit CoreNode(PosixFileStore& files) : files_(files) {}

  std::optional<Holding> Servable(std::string_view path) const override {
    auto it = servable_.find(std::string(path));
    if (it == servable_.end()) return std::nullopt;
    return it->second;
  }
  const NodeIndex& index() const override { return index_; }
  NodeGauges Gauges() const override { return {}; }
  bool Ignored(std::string_view) const override { return false; }
  Result<OpenedFile> Open(const std::string& path) override {
    Result<UniqueFd> fd = files_.OpenForRead(path);
    if (!fd.ok()) return fd.status();
    struct stat st {};
    if (::fstat(fd->get(), &st) != 0) return Status::IOError("fstat");
    return OpenedFile{std::move(*fd), static_cast<uint64_t>(st.st_size), st.st_mtime,
                      MtimeNanos(st)};
  }
  Result<Digest> Store(const std::string&, std::string_view) override {
    return Status::IOError("no uploads here");
  }

  // What Node does on installing version `v` of `path`: stage, publish.
  void Install(const std::string& path, uint64_t v) { Install(path, v, Content(v)); }
  void Install(const std::string& path, uint64_t v, const std::string& content) {
    char stage[17];
    std::snprintf(stage, sizeof stage, "%016llx", static_cast<unsigned long long>(v));
    BOOST_REQUIRE(files_.BeginStage(stage).ok());
    BOOST_REQUIRE(files_.WriteStage(stage, 0, content).ok());
    Result<FileInfo> published = files_.Publish(stage, path);
    BOOST_REQUIRE(published.ok());
    servable_[path] = Holding{path, v, DigestOf(v), content.size(), {}};
    CatalogEntry entry;
    entry.path = path;
    entry.version = v;
    entry.hash = DigestOf(v);
    entry.size = content.size();
    index_.ApplyEntry(entry);
    index_.SetLocal(
        path,
        NodeIndex::Local{v, DigestOf(v), published->size, published->mtime, true, {}, 0});
  }
  // ... and on applying a tombstone.
  void Remove(const std::string& path) {
    servable_.erase(path);
    index_.ClearLocal(path);
    BOOST_REQUIRE(files_.Remove(path).ok());
  }

 private:
  PosixFileStore& files_;
  NodeIndex index_;  // what it holds, with the size and mtime of each
  std::map<std::string, Holding> servable_;
};

// A node's core on a thread of its own, and its HTTP server on three more.
struct World {
  World() {
    BOOST_REQUIRE(transport.Listen("127.0.0.1:0", "").ok());
    env.Call([&] { node.Install(kStable, kStableVersion); });
    Result<BaseUrl> bound = server.Bind();
    BOOST_REQUIRE(bound.ok());
    endpoint = ToEndpoint(bound->address);
    server.Serve(node, env);
    core_thread = std::thread([this] {
      auto busy = net::make_work_guard(core);
      core.run();
    });
  }
  // The core stops first: the server's threads go with it (OnCore's rule).
  ~World() {
    core.stop();
    core_thread.join();
  }

  static tcp::endpoint ToEndpoint(const std::string& address) {
    Result<HostPort> split = ParseHostPort(address);
    BOOST_REQUIRE(split.ok());
    return {net::ip::make_address(split->host), split->port};
  }

  // Runs `change` as one callback into the core, on its thread, then
  // records `step` in `done` there, before any later lookup; and waits.
  template <typename F>
  void Change(F change, uint64_t step, std::atomic<uint64_t>& done) {
    std::promise<void> finished;
    net::post(core, [&] {
      env.Call(change);
      done = step;
      finished.set_value();
    });
    finished.get_future().get();
  }

  testing::TempDir dir;
  net::io_context core;
  Transport transport{core};
  std::unique_ptr<SqliteMetaStore> meta = SqliteMetaStore::Open(dir / "node.db").value();
  std::unique_ptr<PosixFileStore> files = PosixFileStore::Open(dir / "data").value();
  AsioEnv env{core, transport, *meta, files.get()};
  CoreNode node{*files};
  NodeHttpServer server{core, {.listen = "127.0.0.1:0", .threads = 3}};
  tcp::endpoint endpoint;
  std::thread core_thread;
};

// What the client threads found wrong; Boost.Test is not thread-safe.
class Failures {
 public:
  void Add(std::string what) {
    const std::lock_guard lock(mutex_);
    if (list_.size() < 20) list_.push_back(std::move(what));
  }
  std::vector<std::string> list() {
    const std::lock_guard lock(mutex_);
    return list_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> list_;
};

// The version an answer carries, or none if its ETag, size and bytes do not
// all name the same one.
std::optional<uint64_t> VersionOf(const bhttp::response<bhttp::string_body>& r) {
  const std::string& body = r.body();
  if (body.size() < 100 || (body.size() - 100) % 7 != 0) return std::nullopt;
  const uint64_t v = (body.size() - 100) / 7;
  if (body != Content(v)) return std::nullopt;
  if (std::string(r[bhttp::field::etag]) != "\"" + DigestOf(v).Hex() + "\"")
    return std::nullopt;
  return v;
}

BOOST_FIXTURE_TEST_SUITE(node_http, World)

BOOST_AUTO_TEST_CASE(threads_never_serve_what_the_core_replaced_or_removed) {
  // `done` is the last change the core made: odd steps publish that
  // version, even ones remove the file.
  std::atomic<uint64_t> done{0};
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> answers{0};
  Failures failures;
  std::vector<std::thread> clients;
  for (int c = 0; c < 6; ++c) {
    clients.emplace_back([&, c] {
      try {
        net::io_context io;
        beast::tcp_stream stream(io);
        stream.connect(endpoint);
        beast::flat_buffer buffer;
        for (uint64_t i = 0; !stop; ++i) {
          const bool stable = (i + c) % 4 == 0;
          Request request{bhttp::verb::get,
                          std::string("/data/") + (stable ? kStable : kChanging), 11};
          request.set(bhttp::field::host, "t");
          const uint64_t before = done.load();
          bhttp::write(stream, request);
          bhttp::response<bhttp::string_body> response;
          bhttp::read(stream, buffer, response);
          const uint64_t after = done.load();
          ++answers;
          const std::optional<uint64_t> v = VersionOf(response);
          const unsigned code = response.result_int();
          if (stable) {
            if (code != 200 || v != kStableVersion)
              failures.Add("stable.bin: " + std::to_string(code));
          } else if (code == 200) {
            // Served: a complete version, no older than the core's state
            // when the request left.
            if (!v) failures.Add("a mixed or short answer");
            if (v && *v < before)
              failures.Add("version " + std::to_string(*v) + " after change " +
                           std::to_string(before));
          } else if (code == 404) {
            // Not found: the file was removed at some moment in between.
            if (before % 2 == 1 && after == before)
              failures.Add("404 while version " + std::to_string(before) + " held");
          } else {
            failures.Add("answer " + std::to_string(code));
          }
        }
      } catch (const std::exception& e) {
        failures.Add(std::string("client: ") + e.what());
      }
    });
  }
  for (uint64_t step = 1; step <= 300; ++step) {
    Change(
        [&] {
          if (step % 2 == 1) {
            node.Install(kChanging, step);
          } else {
            node.Remove(kChanging);
          }
        },
        step, done);
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  stop = true;
  for (std::thread& client : clients) client.join();
  for (const std::string& failure : failures.list()) BOOST_ERROR(failure);
  BOOST_TEST(answers.load() > 300u);
}

// Past FileSource::kKeptBytes a file is sent from its descriptor: by
// sendfile over plain HTTP, whole or a range of it, waiting for a client
// slower than the socket's buffers.
BOOST_AUTO_TEST_CASE(a_large_file_whole_and_a_range) {
  std::string big(16 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 % 251);
  std::atomic<uint64_t> done{0};
  Change([&] { node.Install("big.bin", 7, big); }, 1, done);
  net::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(endpoint);
  beast::flat_buffer buffer;
  for (const std::string range : {"", "bytes=70000-250000"}) {
    Request request{bhttp::verb::get, "/data/big.bin", 11};
    request.set(bhttp::field::host, "t");
    if (!range.empty()) request.set(bhttp::field::range, range);
    bhttp::write(stream, request);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(big.size());
    bhttp::read(stream, buffer, parser);
    const bhttp::response<bhttp::string_body> response = parser.release();
    BOOST_TEST(response.result_int() == (range.empty() ? 200 : 206));
    BOOST_TEST((response.body() == (range.empty() ? big : big.substr(70000, 180001))));
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds::http
