// Address parsing and binding; see address.h.
#include "runtime/address.h"

#include <boost/asio/ip/address.hpp>
#include <charconv>

namespace dds {

namespace asio = boost::asio;
using asio::ip::tcp;

Result<HostPort> ParseHostPort(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return Status::InvalidArgument("address '" + std::string(text) +
                                   "' must be HOST:PORT (or :PORT)");
  }
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() ||
      end != port_text.data() + port_text.size() || port > 65535) {
    return Status::InvalidArgument("address '" + std::string(text) +
                                   "' has no valid port (0-65535)");
  }
  HostPort result;
  result.host = host.empty() ? std::string(kDefaultHost) : std::string(host);
  result.port = static_cast<uint16_t>(port);
  return result;
}

std::string FormatEndpoint(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::string host =
      address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

Result<tcp::endpoint> ResolveForListen(const HostPort& address) {
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(address.host, ec);
  if (!ec) return tcp::endpoint(ip, address.port);
  // Not a literal: ask the resolver (e.g. "localhost"). Blocking is fine at startup.
  asio::io_context io;
  tcp::resolver resolver(io);
  const auto results = resolver.resolve(address.host, std::to_string(address.port), ec);
  if (ec || results.empty()) {
    return Status::InvalidArgument("cannot resolve host '" + address.host +
                                   "': " + ec.message());
  }
  return results.begin()->endpoint();
}

Result<tcp::endpoint> BindAcceptor(tcp::acceptor& acceptor, const HostPort& address) {
  auto endpoint = ResolveForListen(address);
  if (!endpoint.ok()) return endpoint.status();
  boost::system::error_code ec;
  const std::string where = address.host + ":" + std::to_string(address.port);
  acceptor.open(endpoint->protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(*endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::IOError("cannot listen on " + where + ": " + ec.message());
  auto bound = acceptor.local_endpoint(ec);
  if (ec) return Status::IOError("cannot listen on " + where + ": " + ec.message());
  return bound;
}

}  // namespace dds
