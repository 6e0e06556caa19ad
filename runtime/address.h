// Parsing and printing of "host:port" addresses for listening and dialing.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace dds {

// Where the runtime listens unless told otherwise: loopback, so a fresh
// process is never reachable from the network by accident.
inline constexpr std::string_view kDefaultHost = "127.0.0.1";

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

// Accepts "host:port", "[v6addr]:port" and ":port" (host = kDefaultHost).
// InvalidArgument naming the problem otherwise.
Result<HostPort> ParseHostPort(std::string_view text);

// "127.0.0.1:5558", "[::1]:5558".
std::string FormatEndpoint(const boost::asio::ip::tcp::endpoint& endpoint);

// Resolves `address` to the first endpoint, blocking; for binding at startup.
Result<boost::asio::ip::tcp::endpoint> ResolveForListen(const HostPort& address);

// Opens, binds and listens on `address`. Returns what was actually bound
// (port 0 picks a free port).
Result<boost::asio::ip::tcp::endpoint> BindAcceptor(
    boost::asio::ip::tcp::acceptor& acceptor, const HostPort& address);

}  // namespace dds
