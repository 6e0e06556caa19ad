// The control transport: protocol messages over TCP between dds processes.
//
// Framing is in frame.h. Send() connects on demand and queues while
// connecting; a failed connection drops its queue (the core recovers by
// timeouts) and the next attempt waits out an exponential backoff. A dial
// counts as failed until the peer has sent a frame on it. A process
// that dials sends a hello naming its listen address; the receiver then
// attributes that connection's messages to the address and uses the same
// connection for replies. Messages received on a connection this process
// dialed are attributed to the address it dialed.
//
// Security (docs/security.md): with TLS credentials, every connection is
// mutual TLS 1.3 and both ends present a member certificate of the cluster
// CA; each message is admitted only if the peer's certificate may send it
// (runtime/tls/admission.h), and a hello may not claim an address another
// member holds a live connection for. Without credentials (--insecure) it
// is plaintext and trusts every peer.
//
// Single-threaded: everything runs on the io_context's thread. Sends never
// start I/O synchronously (writes are posted). The Env holds back what must
// wait for its group commit itself (asio_env.h).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/messages.h"
#include "core/status.h"
#include "runtime/tls/credentials.h"

namespace dds {

// Outgoing bytes a connection may hold before further messages are dropped.
inline constexpr size_t kMaxQueuedBytes = 64 << 20;
inline constexpr std::chrono::milliseconds kMinBackoff{100};
inline constexpr std::chrono::milliseconds kMaxBackoff{5000};
// An accepted connection that has not said hello by then is closed, and so
// is a dialed one whose TLS handshake has not completed.
inline constexpr std::chrono::seconds kHelloTimeout{10};

struct TransportStats {
  uint64_t messages_in = 0;
  uint64_t messages_out = 0;
  uint64_t messages_dropped = 0;  // queue full or peer unreachable
  uint64_t bad_frames = 0;        // connections closed for protocol errors
  uint64_t refused = 0;           // failed TLS handshakes, messages a member may not send
  uint64_t connections_accepted = 0;
  uint64_t connect_failures =
      0;  // dials refused, or closed before the peer said anything
};

class Transport {
 public:
  class Delegate {
   public:
    virtual ~Delegate() = default;
    // Messages that arrived together on one connection, in order.
    virtual void OnMessages(const std::string& from, std::vector<Message> messages) = 0;
    // A connection to `peer` broke or could not be made; messages to it may
    // have been lost.
    virtual void OnPeerLost(const std::string& peer) = 0;
  };

  explicit Transport(boost::asio::io_context& io);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  void set_delegate(Delegate* delegate) { delegate_ = delegate; }
  // Connections made from now on use `tls` (null: plaintext); open ones
  // keep the credentials they were made with. Set before Listen, and again
  // to rotate certificates.
  void set_tls(std::shared_ptr<TlsCredentials> tls) { tls_ = std::move(tls); }
  const std::shared_ptr<TlsCredentials>& tls() const { return tls_; }

  // Binds `listen` ("host:port", port 0 picks one) and starts accepting.
  // Hellos announce `advertise`, or the bound address when it is empty.
  // Returns the announced address.
  Result<std::string> Listen(const std::string& listen, const std::string& advertise);
  const std::string& self() const { return self_; }

  void Send(const std::string& to, const Message& message);
  // Sends a frame made earlier by FrameMessage() (the Env encodes what it
  // holds back during a group commit, rather than copying the message).
  void SendFrame(const std::string& to, std::string frame);
  // Closes every connection and the listener; nothing is delivered afterwards.
  void Close();

  const TransportStats& stats() const { return stats_; }
  // TLS: the last certificate each member connected with, by name (for
  // status: when it expires).
  const std::map<std::string, CertIdentity>& members() const { return members_; }

 private:
  class Connection;
  struct Link {
    std::shared_ptr<Connection> conn;  // where messages to this address go
    std::chrono::milliseconds backoff{0};
    std::optional<std::chrono::steady_clock::time_point> retry_at;
    std::string owner;  // TLS: the member whose hello last claimed this address
  };

  void Accept();
  // Why `who` may not claim `address` in its hello, or "" if it may.
  std::string ClaimRefused(const std::string& address, const CertIdentity& who) const;
  void Adopt(const std::shared_ptr<Connection>& conn);
  void Connected(const std::string& peer);
  void Verified(const CertIdentity& who) { members_.insert_or_assign(who.name, who); }
  void Closed(const std::shared_ptr<Connection>& conn, bool was_open, bool lost_messages);
  void Deliver(const std::string& from, std::vector<Message> messages);

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<TlsCredentials> tls_;
  std::string self_;
  Delegate* delegate_ = nullptr;
  std::map<std::string, Link> links_;                  // by peer address
  std::set<std::shared_ptr<Connection>> connections_;  // every live connection
  TransportStats stats_;
  std::map<std::string, CertIdentity> members_;  // one per member name: bounded
  bool closed_ = false;
};

}  // namespace dds
