// Goal: the node serves only what Node::Servable allows, with correct HTTP
// semantics (Range, ETag, 304, listings, uploads), and refuses hostile
// targets without touching anything outside its data directory.
// Method: NodeHandler over a fake NodeBackend and a real temporary data
// directory; requests are raw bytes fed through Beast's parser.
#include "runtime/http/node_handler.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <map>

#include "runtime/posix_file_store.h"
#include "tests/runtime/http_test_util.h"

namespace dds::http {
namespace {

using testing::Body;
using testing::Code;
using testing::Header;
using testing::Make;
namespace fs = std::filesystem;

Digest DigestOf(uint8_t seed) {
  Digest d;
  for (size_t i = 0; i < d.bytes.size(); ++i) d.bytes[i] = static_cast<uint8_t>(seed + i);
  return d;
}

class FakeNode final : public NodeBackend {
 public:
  std::optional<Holding> Servable(std::string_view path) const override {
    auto it = servable_.find(std::string(path));
    if (it == servable_.end()) return std::nullopt;
    return it->second;
  }
  const NodeIndex& index() const override { return index_; }
  NodeGauges Gauges() const override { return {2, 1013, 2, 3, true, 4}; }
  bool Ignored(std::string_view path) const override { return path.ends_with(".tmp"); }
  Result<OpenedFile> Open(const std::string& path) override {
    Result<UniqueFd> fd = files->OpenForRead(path);
    if (!fd.ok()) return fd.status();
    struct stat st {};
    BOOST_REQUIRE(::fstat(fd->get(), &st) == 0);
    return OpenedFile{std::move(*fd), static_cast<uint64_t>(st.st_size), st.st_mtime,
                      MtimeNanos(st)};
  }
  Result<Digest> Store(const std::string& path, std::string_view content) override {
    stored_[path] = std::string(content);
    return DigestOf(9);
  }

  // Records `path` in the catalog and, if `servable`, as held.
  void Add(const std::string& path, uint64_t size, bool servable = true) {
    const CatalogEntry entry = testing::MakeEntry(path, 1, size, false, DigestOf(1));
    index_.ApplyEntry(entry);
    if (!servable) return;
    // As a node records it: with the mtime the disk shows.
    Result<FileInfo> on_disk = files->Stat(path);
    const int64_t mtime = on_disk.ok() ? on_disk->mtime : 0;
    index_.SetLocal(path, NodeIndex::Local{1, entry.hash, size, mtime, true, {}, 0});
    Holding& holding = servable_[path];
    holding.path = path;
    holding.version = 1;
    holding.hash = entry.hash;
    holding.size = size;
  }

  std::unique_ptr<PosixFileStore> files;  // the data dir, as the node's store
  NodeIndex index_;
  std::map<std::string, Holding> servable_;
  std::map<std::string, std::string> stored_;
};

struct Fixture {
  Fixture() : handler(node, {"s3cret"}, counters) {
    fs::create_directories(dir / "sub");
    node.files = PosixFileStore::Open(dir).value();
    Write("hello.txt", "hello, world\n");
    Write("sub/deep.bin", std::string(1000, 'x'));
    Write("partial.txt", "not yet verified");
    node.Add("hello.txt", 13);
    node.Add("sub/deep.bin", 1000);
    node.Add("partial.txt", 16, /*servable=*/false);
  }
  ~Fixture() { fs::remove_all(root); }

  void Write(const std::string& path, const std::string& content) {
    std::ofstream(dir / path, std::ios::binary) << content;
  }
  Response Get(std::string_view target, std::string_view headers = "") {
    return handler.Handle(Make("GET", target, headers));
  }

  fs::path root =
      fs::temp_directory_path() / ("dds-http-test-" + std::to_string(::getpid()));
  fs::path dir = root / "data";
  FakeNode node;
  HttpCounters counters;
  NodeHandler handler;
};

const std::string kEtag = "\"" + DigestOf(1).Hex() + "\"";

BOOST_FIXTURE_TEST_SUITE(node_handler, Fixture)

BOOST_AUTO_TEST_CASE(serves_a_servable_file_with_its_headers) {
  Response r = Get("/data/hello.txt");
  BOOST_TEST(Code(r) == 200u);
  BOOST_TEST(Body(r) == "hello, world\n");
  BOOST_TEST(Header(r, bhttp::field::etag) == kEtag);
  BOOST_TEST(Header(r, bhttp::field::content_type) == "text/plain; charset=utf-8");
  BOOST_TEST(Header(r, bhttp::field::accept_ranges) == "bytes");
  BOOST_TEST(Header(r, bhttp::field::content_length) == "13");
  BOOST_TEST(Header(r, bhttp::field::last_modified).ends_with(" GMT"));
}

BOOST_AUTO_TEST_CASE(head_has_headers_and_no_body) {
  Response r = handler.Handle(Make("HEAD", "/data/sub/deep.bin"));
  BOOST_TEST(Code(r) == 200u);
  BOOST_TEST(Body(r).empty());
  BOOST_TEST(Header(r, bhttp::field::content_length) == "1000");
  BOOST_TEST(Header(r, bhttp::field::content_type) == "application/octet-stream");
}

BOOST_AUTO_TEST_CASE(ranges) {
  Response r = Get("/data/hello.txt", "Range: bytes=7-11\r\n");
  BOOST_TEST(Code(r) == 206u);
  BOOST_TEST(Body(r) == "world");
  BOOST_TEST(Header(r, bhttp::field::content_range) == "bytes 7-11/13");

  r = Get("/data/hello.txt", "Range: bytes=-6\r\n");
  BOOST_TEST(Body(r) == "world\n");

  r = Get("/data/hello.txt", "Range: bytes=13-\r\n");
  BOOST_TEST(Code(r) == 416u);
  BOOST_TEST(Header(r, bhttp::field::content_range) == "bytes */13");

  r = Get("/data/hello.txt", "Range: bytes=0-1\r\nIf-Range: \"stale\"\r\n");
  BOOST_TEST(Code(r) == 200u);
  r = Get("/data/hello.txt", "Range: bytes=0-1\r\nIf-Range: " + kEtag + "\r\n");
  BOOST_TEST(Code(r) == 206u);
}

BOOST_AUTO_TEST_CASE(conditional_get) {
  Response r = Get("/data/hello.txt", "If-None-Match: \"other\", " + kEtag + "\r\n");
  BOOST_TEST(Code(r) == 304u);
  BOOST_TEST(Body(r).empty());
  BOOST_TEST(Header(r, bhttp::field::etag) == kEtag);
  BOOST_TEST(Code(Get("/data/hello.txt", "If-None-Match: W/" + kEtag + "\r\n")) == 304u);
  BOOST_TEST(Code(Get("/data/hello.txt", "If-None-Match: \"other\"\r\n")) == 200u);
}

BOOST_AUTO_TEST_CASE(never_serves_what_is_not_servable) {
  BOOST_TEST(Code(Get("/data/partial.txt")) == 404u);  // On disk, not verified.
  BOOST_TEST(Code(Get("/data/missing.txt")) == 404u);
  node.Add("gone.txt", 5);  // Servable, but not on disk (being restored).
  BOOST_TEST(Code(Get("/data/gone.txt")) == 503u);
  // Changed in place at the same size, the node not told yet: the mtime
  // no longer matches its record.
  const fs::file_time_type written = fs::last_write_time(dir / "hello.txt");
  Write("hello.txt", "HELLO, WORLD\n");
  fs::last_write_time(dir / "hello.txt", written + std::chrono::seconds(1));
  BOOST_TEST(Code(Get("/data/hello.txt")) == 503u);
  Write("hello.txt", "changed under the node");  // Size no longer matches.
  BOOST_TEST(Code(Get("/data/hello.txt")) == 503u);
  // Held, but settling (Node::Servable says no): a retry will do, not a 404.
  node.servable_.erase("hello.txt");
  BOOST_TEST(Code(Get("/data/hello.txt")) == 503u);
}

BOOST_AUTO_TEST_CASE(hostile_targets_get_400_or_404_and_nothing_else) {
  fs::create_directories(root / "secret");
  std::ofstream(root / "secret" / "key") << "TOP-SECRET-CONTENT";
  fs::create_symlink(root / "secret", dir / "link");
  node.Add("link/key", 18);  // Even if the node believed it, a symlink is not followed.
  for (const char* target :
       {"/data/../secret/key", "/data/%2e%2e/secret/key", "/data/..%2fsecret%2fkey",
        "/data/%2Fetc%2Fpasswd", "/data//etc/passwd", "/data/a%00b", "/data/link/key",
        "/data/sub/../../secret/key", "/data/%zz", "/etc/passwd", "/data/.dds/x"}) {
    Response r = Get(target);
    const unsigned code = Code(r);
    BOOST_TEST((code == 400u || code == 404u || code == 503u),
               target << " gave " << code);
    BOOST_TEST(Body(r).find("TOP-SECRET") == std::string::npos, target);
  }
  BOOST_TEST(Code(Get("/data/" + std::string(2000, 'a'))) == 400u);
}

BOOST_AUTO_TEST_CASE(listings) {
  Response html = Get("/data/");
  BOOST_TEST(Code(html) == 200u);
  const std::string page = Body(html);
  BOOST_TEST(page.find("Directory listing for /data/") != std::string::npos);
  BOOST_TEST(page.find("<a href=\"hello.txt\">hello.txt</a>") != std::string::npos);
  BOOST_TEST(page.find("<a href=\"sub/\">sub/</a>") != std::string::npos);
  BOOST_TEST(page.find("partial.txt") == std::string::npos);

  Response json = Get("/data/sub/?format=json");
  BOOST_TEST(Header(json, bhttp::field::content_type) == "application/json");
  BOOST_TEST(Body(json) ==
             "{\"path\":\"/data/sub/\",\"directories\":[],\"files\":[{\"name\":"
             "\"deep.bin\",\"size\":1000,\"hash\":\"" +
                 DigestOf(1).Hex() + "\",\"version\":1}]}\n");
  BOOST_TEST(Body(Get("/data/sub/")).find("Directory listing for /data/sub/") !=
             std::string::npos);
  Response moved = Get("/data/sub");
  BOOST_TEST(Code(moved) == 301u);
  BOOST_TEST(Header(moved, bhttp::field::location) == "/data/sub/");
  BOOST_TEST(Code(Get("/data/nothing/")) == 404u);
}

BOOST_AUTO_TEST_CASE(uploads_need_the_token) {
  BOOST_TEST(Code(handler.Handle(Make("PUT", "/data/new.txt", "", "abc"))) == 401u);
  BOOST_TEST(Code(handler.Handle(Make("PUT", "/data/new.txt",
                                      "Authorization: Bearer wrong\r\n", "abc"))) ==
             401u);
  BOOST_TEST(node.stored_.empty());
  Response ok = handler.Handle(
      Make("PUT", "/data/new.txt", "Authorization: Bearer s3cret\r\n", "abc"));
  BOOST_TEST(Code(ok) == 201u);
  BOOST_TEST(node.stored_.at("new.txt") == "abc");
  BOOST_TEST(Header(ok, bhttp::field::etag) == "\"" + DigestOf(9).Hex() + "\"");
  BOOST_TEST(Code(handler.Handle(Make("PUT", "/data/%2e%2e/x",
                                      "Authorization: Bearer s3cret\r\n", "abc"))) ==
             400u);
  // The cluster ignores it: refused, not stored where it would never replicate.
  BOOST_TEST(Code(handler.Handle(Make("PUT", "/data/x.tmp",
                                      "Authorization: Bearer s3cret\r\n", "abc"))) ==
             400u);
  BOOST_TEST(!node.stored_.contains("x.tmp"));

  HttpCounters none;
  NodeHandler disabled(node, {""}, none);
  BOOST_TEST(Code(disabled.Handle(
                 Make("PUT", "/data/x", "Authorization: Bearer \r\n", "a"))) == 403u);
}

BOOST_AUTO_TEST_CASE(health_metrics_and_methods) {
  BOOST_TEST(Code(Get("/healthz")) == 200u);
  for (int i = 0; i < 7; ++i) counters.Count(200);
  Response metrics = Get("/metrics");
  const std::string text = Body(metrics);
  BOOST_TEST(text.find("dds_node_files_held 2\n") != std::string::npos);
  BOOST_TEST(text.find("dds_node_bytes_held 1013\n") != std::string::npos);
  BOOST_TEST(text.find("dds_node_pulls_active 2\n") != std::string::npos);
  BOOST_TEST(text.find("dds_node_refused_names 4\n") != std::string::npos);
  BOOST_TEST(text.find("dds_node_http_responses_total{code=\"200\"} 7\n") !=
             std::string::npos);
  BOOST_TEST(Code(handler.Handle(Make("DELETE", "/data/hello.txt"))) == 405u);
  BOOST_TEST(Code(handler.Handle(Make("POST", "/healthz"))) == 405u);
  BOOST_TEST(Code(Get("/nowhere")) == 404u);
  BOOST_TEST(Code(Get("/database")) == 404u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds::http
