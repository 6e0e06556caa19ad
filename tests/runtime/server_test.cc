// Goal: the connection loop answers malformed, oversized and pipelined input
// correctly and never lets one bad connection affect the server, over plain
// HTTP and HTTPS; the client verifies whom it talks to. Method: an
// HttpListener on a loopback port with a trivial service, its io_context on
// a second thread; raw bytes written with a blocking socket; certificates
// from the cluster CA (runtime/tls/certs.h) in a scratch directory.
#include "runtime/http/server.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include "runtime/address.h"
#include "runtime/http/client.h"
#include "runtime/tests/test_util.h"
#include "runtime/tls/certs.h"

namespace dds::http {
namespace {

using tcp = net::ip::tcp;

// Answers every request with its target; "/count" with the requests seen.
class EchoService final : public HttpService {
 public:
  net::awaitable<Response> Handle(Request request) override {
    co_return TextResponse(request, bhttp::status::ok, std::string(request.target()));
  }
  HttpCounters& counters() override { return counters_; }

 private:
  HttpCounters counters_;
};

struct Fixture {
  explicit Fixture(std::optional<HttpsFiles> https = std::nullopt) : listener(io) {
    Result<BaseUrl> bound = listener.Bind("127.0.0.1:0", std::move(https));
    BOOST_REQUIRE(bound.ok());
    url = *bound;
    address = url.address;
    listener.Serve(service);
    thread = std::thread([this] { io.run(); });
  }
  ~Fixture() {
    io.stop();
    thread.join();
  }

  // Writes `raw`, then reads until the server closes (or 64 KiB arrive).
  std::string Exchange(const std::string& raw) {
    net::io_context client;
    tcp::socket socket(client);
    Result<HostPort> split = ParseHostPort(address);
    socket.connect(tcp::endpoint(net::ip::make_address(split->host), split->port));
    net::write(socket, net::buffer(raw));
    socket.shutdown(tcp::socket::shutdown_send);
    std::string answer;
    beast::error_code ec;
    net::read(socket, net::dynamic_buffer(answer, 64 * 1024), ec);
    return answer;
  }

  // The listener belongs to the io_context's thread, like in a real process.
  Status ReloadOnIoThread() {
    std::promise<Status> done;
    net::post(io, [&] { done.set_value(listener.ReloadHttps()); });
    return done.get_future().get();
  }

  net::io_context io;
  EchoService service;
  HttpListener listener;
  BaseUrl url;
  std::string address;
  std::thread thread;
};

Result<StringResponse> Get(const BaseUrl& url, std::string target,
                           SslContextPtr tls = nullptr) {
  return ExchangeBlocking(url, Request{bhttp::verb::get, std::move(target), 11},
                          std::chrono::seconds(5), std::move(tls));
}

BOOST_FIXTURE_TEST_SUITE(server, Fixture)

BOOST_AUTO_TEST_CASE(client_round_trip) {
  BOOST_TEST(url.ToString() == "http://" + address);
  Result<StringResponse> answer = Get(url, "/hello");
  BOOST_REQUIRE(answer.ok());
  BOOST_TEST(answer->result_int() == 200);
  BOOST_TEST(answer->body() == "/hello\n");
}

BOOST_AUTO_TEST_CASE(garbage_gets_400_and_the_server_lives_on) {
  const std::string answer =
      Exchange(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc", 9));
  BOOST_TEST(answer.starts_with("HTTP/1.1 400 "));
  BOOST_TEST(Exchange("GET /again HTTP/1.1\r\nHost: x\r\n\r\n").find("/again") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(limits) {
  const std::string huge_header =
      "GET / HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n";
  BOOST_TEST(Exchange(huge_header).starts_with("HTTP/1.1 431 "));
  BOOST_TEST(Exchange("PUT /data/x HTTP/1.1\r\nContent-Length: 999999999999\r\n\r\n")
                 .starts_with("HTTP/1.1 413 "));
  BOOST_TEST(Exchange("POST /x HTTP/1.1\r\nContent-Length: 5000\r\n\r\n" +
                      std::string(5000, 'b'))
                 .starts_with("HTTP/1.1 413 "));
}

BOOST_AUTO_TEST_CASE(keep_alive_and_expect_continue) {
  const std::string answer = Exchange(
      "GET /one HTTP/1.1\r\nHost: x\r\n\r\n"
      "PUT /two HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: "
      "3\r\n\r\nabc"
      "GET /three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const size_t one = answer.find("/one");
  const size_t proceed = answer.find("HTTP/1.1 100 Continue");
  const size_t two = answer.find("/two");
  const size_t three = answer.find("/three");
  BOOST_TEST(one != std::string::npos);
  BOOST_TEST(
      (proceed > one && two > proceed && three > two && three != std::string::npos));
  BOOST_TEST(service.counters().count(200) == 3u);
}

BOOST_AUTO_TEST_SUITE_END()

// A cluster CA in a scratch directory, and a certificate from it for
// 127.0.0.1 to serve HTTPS with.
struct Certificates {
  Certificates() {
    BOOST_REQUIRE(InitCa(dir.path()).ok());
    Issue(dir.path());
  }
  // (Re)issues "web" from the CA in `ca_dir`, into `dir`.
  void Issue(const std::filesystem::path& ca_dir) {
    BOOST_REQUIRE(
        IssueCert(ca_dir, "web", Role::kNode, 30, dir.path(), true, {"127.0.0.1"}).ok());
  }
  HttpsFiles files() const {
    return {CaPaths::MemberCert(dir.path(), "web"),
            CaPaths::MemberKey(dir.path(), "web")};
  }
  SslContextPtr Trusting(const std::filesystem::path& ca_dir) const {
    Result<SslContextPtr> tls = MakeHttpsClient({CaPaths::Cert(ca_dir)});
    BOOST_REQUIRE(tls.ok());
    return *tls;
  }
  testing::TempDir dir;
};

struct HttpsFixture : Certificates, Fixture {
  HttpsFixture() : Fixture(files()) {}
};

BOOST_FIXTURE_TEST_SUITE(https_server, HttpsFixture)

BOOST_AUTO_TEST_CASE(round_trip_verified_against_the_ca_and_the_host) {
  BOOST_TEST(url.ToString() == "https://" + address);
  Result<StringResponse> answer = Get(url, "/hello", Trusting(dir.path()));
  BOOST_REQUIRE(answer.ok());
  BOOST_TEST(answer->body() == "/hello\n");
  // The system's CAs alone do not know the cluster CA.
  Result<SslContextPtr> system_only = MakeHttpsClient({});
  BOOST_REQUIRE(system_only.ok());
  answer = Get(url, "/hello", *system_only);
  BOOST_TEST(!answer.ok());
  BOOST_TEST(answer.status().message().starts_with("TLS handshake with " + address));
  // The certificate is for 127.0.0.1, not for "localhost".
  BaseUrl by_name = url;
  by_name.address = "localhost:" + address.substr(address.rfind(':') + 1);
  BOOST_TEST(!Get(by_name, "/hello", Trusting(dir.path())).ok());
  // No TLS settings, no https.
  BOOST_TEST(!Get(url, "/hello").ok());
}

BOOST_AUTO_TEST_CASE(plaintext_on_the_https_port_is_refused_and_the_server_lives_on) {
  BOOST_TEST(Exchange("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n").find("/plain") ==
             std::string::npos);
  BaseUrl plain = url;
  plain.https = false;
  BOOST_TEST(!Get(plain, "/plain").ok());
  BOOST_TEST(Get(url, "/again", Trusting(dir.path())).ok());
}

BOOST_AUTO_TEST_CASE(reload_serves_the_new_certificate_to_new_connections) {
  testing::TempDir other_ca;
  BOOST_REQUIRE(InitCa(other_ca.path()).ok());
  Issue(other_ca.path());
  BOOST_TEST(Get(url, "/old", Trusting(dir.path())).ok());  // Not yet reloaded.
  BOOST_TEST(ReloadOnIoThread().ok());
  BOOST_TEST(!Get(url, "/new", Trusting(dir.path())).ok());
  BOOST_TEST(Get(url, "/new", Trusting(other_ca.path())).ok());
  // A bad file is refused and the current certificate stays.
  testing::WriteFile(files().key.string(), "not a key");
  BOOST_TEST(!ReloadOnIoThread().ok());
  BOOST_TEST(Get(url, "/still", Trusting(other_ca.path())).ok());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds::http
