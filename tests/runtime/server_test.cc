// Goal: the connection loop answers malformed, oversized and pipelined input
// correctly and never lets one bad connection affect the server. Method: an
// HttpListener on a loopback port with a trivial service, its io_context on
// a second thread; raw bytes written with a blocking socket.
#include "runtime/http/server.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <thread>

#include "runtime/address.h"
#include "runtime/http/client.h"

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
  Fixture() : listener(io) {
    Result<std::string> bound = listener.Bind("127.0.0.1:0");
    BOOST_REQUIRE(bound.ok());
    address = *bound;
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

  net::io_context io;
  EchoService service;
  HttpListener listener;
  std::string address;
  std::thread thread;
};

BOOST_FIXTURE_TEST_SUITE(server, Fixture)

BOOST_AUTO_TEST_CASE(client_round_trip) {
  Result<StringResponse> answer = ExchangeBlocking(
      address, Request{bhttp::verb::get, "/hello", 11}, std::chrono::seconds(5));
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
  BOOST_TEST(service.counters().by_status[200] == 3u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds::http
