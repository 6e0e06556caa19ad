// TCP transport; see transport.h.
#include "runtime/transport.h"

#include <algorithm>
#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <deque>

#include "core/codec.h"
#include "runtime/address.h"
#include "runtime/frame.h"
#include "runtime/log.h"
#include "runtime/tls/admission.h"

namespace dds {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {
constexpr size_t kReadBytes = 64 << 10;
constexpr size_t kMaxFramesPerWrite = 64;
}  // namespace

// One TCP connection, dialed or accepted, plaintext or TLS. Owned by the
// Transport's connections_ set while alive; async handlers hold it too.
class Transport::Connection : public std::enable_shared_from_this<Connection> {
 public:
  enum class State { kDialing, kAwaitingHello, kOpen, kClosed };

  // Accepted: waits for the TLS handshake, if any, then the peer's hello.
  Connection(Transport* owner, tcp::socket socket)
      : owner_(owner),
        tls_(owner->tls_),
        socket_(tls_ ? tcp::socket(owner->io_) : std::move(socket)),
        timer_(owner->io_),
        resolver_(owner->io_),
        state_(State::kAwaitingHello),
        dialed_(false) {
    if (tls_) stream_ = std::make_unique<TlsStream>(std::move(socket), tls_->context());
    error_code ec;
    const auto remote = Socket().remote_endpoint(ec);
    if (!ec) remote_ = FormatEndpoint(remote);
  }
  // Dialed: connects to `peer` after `delay` (the link's backoff).
  Connection(Transport* owner, std::string peer)
      : owner_(owner),
        tls_(owner->tls_),
        socket_(owner->io_),
        timer_(owner->io_),
        resolver_(owner->io_),
        peer_(std::move(peer)),
        state_(State::kDialing),
        dialed_(true) {
    if (tls_)
      stream_ = std::make_unique<TlsStream>(tcp::socket(owner->io_), tls_->context());
  }

  void StartAccepted();
  void StartDialing(std::chrono::steady_clock::duration delay);
  void Enqueue(std::string frame);
  // Hands over the frames queued before a connection opened.
  std::deque<std::string> TakeQueue();
  // Idempotent. `notify`: tell the owner (and so the core) about it.
  void Close(std::string_view why, bool notify = true);

  bool open() const { return state_ == State::kOpen; }
  bool dialed() const { return dialed_; }
  const std::string& peer() const { return peer_; }
  const CertIdentity* identity() const { return identity_ ? &*identity_ : nullptr; }
  // A dialed connection whose peer has sent a frame: the peer took it. (In
  // TLS 1.3 the dialer's handshake ends before the acceptor checks the
  // dialer's certificate, so being open does not mean being let in.)
  bool heard() const { return heard_; }

 private:
  using TlsStream = asio::ssl::stream<tcp::socket>;

  tcp::socket& Socket() { return stream_ ? stream_->next_layer() : socket_; }
  void Resolve();
  void Connect(const tcp::resolver::results_type& endpoints);
  void OnConnected();
  void Handshake();
  // The handshake is done (or there is none): a dialed connection opens
  // and says hello, an accepted one reads the peer's.
  void Secured();
  void Open();
  // Who the peer is, for logs: its address, and its certificate's name.
  std::string Describe() const;
  void Refuse(std::string_view why);
  void Read();
  void OnRead(size_t bytes);
  // Returns false if the connection had to be closed.
  bool TakeFrame(const std::string& payload, std::vector<Message>* batch);
  void ScheduleWrite();
  void Write();

  Transport* const owner_;
  const std::shared_ptr<TlsCredentials> tls_;  // null: plaintext
  tcp::socket socket_;                         // plaintext only
  std::unique_ptr<TlsStream> stream_;          // TLS only
  std::optional<CertIdentity> identity_;       // TLS: the peer's, once verified
  asio::steady_timer timer_;                   // dial delay, or hello timeout
  tcp::resolver resolver_;
  std::string peer_;
  std::string remote_;  // the socket's remote end, for logs before the hello
  State state_;
  const bool dialed_;
  FrameReader reader_;
  std::array<char, kReadBytes> read_buffer_{};
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;
  size_t writing_frames_ = 0;  // frames at the queue's front being written
  bool write_posted_ = false;
  bool dropped_logged_ = false;
  bool heard_ = false;
};

void Transport::Connection::StartAccepted() {
  reader_.set_limit(kMaxHelloBytes);
  timer_.expires_after(kHelloTimeout);
  timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec || self->state_ != State::kAwaitingHello) return;
    self->Close(self->identity_ || !self->tls_ ? "no hello in time"
                                               : "TLS handshake not completed in time");
  });
  if (tls_) return Handshake();
  Read();
}

void Transport::Connection::StartDialing(std::chrono::steady_clock::duration delay) {
  if (delay <= delay.zero()) return Resolve();
  timer_.expires_after(delay);
  timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (!ec && self->state_ == State::kDialing) self->Resolve();
  });
}

void Transport::Connection::Resolve() {
  auto address = ParseHostPort(peer_);
  if (!address.ok()) return Close(address.status().message());
  resolver_.async_resolve(address->host, std::to_string(address->port),
                          [self = shared_from_this()](
                              error_code ec, const tcp::resolver::results_type& results) {
                            if (self->state_ == State::kClosed) return;
                            if (ec) return self->Close("resolve: " + ec.message());
                            self->Connect(results);
                          });
}

void Transport::Connection::Connect(const tcp::resolver::results_type& endpoints) {
  asio::async_connect(Socket(), endpoints,
                      [self = shared_from_this()](error_code ec, const tcp::endpoint&) {
                        if (self->state_ == State::kClosed) return;
                        if (ec) return self->Close("connect: " + ec.message());
                        self->OnConnected();
                      });
}

void Transport::Connection::OnConnected() {
  error_code ignored;
  Socket().set_option(tcp::no_delay(true), ignored);  // small request/reply messages
  if (!tls_) return Open();
  timer_.expires_after(kHelloTimeout);
  timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (!ec && self->state_ == State::kDialing)
      self->Close("TLS handshake not completed in time");
  });
  Handshake();
}

void Transport::Connection::Handshake() {
  stream_->async_handshake(
      dialed_ ? TlsStream::client : TlsStream::server,
      [self = shared_from_this()](error_code ec) {
        if (self->state_ == State::kClosed) return;
        if (ec) {
          // The verification error says more than the handshake's ("has
          // expired" rather than "certificate verify failed").
          const long verify = SSL_get_verify_result(self->stream_->native_handle());
          std::string why = "TLS handshake: " + ec.message();
          if (verify != X509_V_OK)
            why += " (" + std::string(X509_verify_cert_error_string(verify)) + ")";
          return self->Refuse(why);
        }
        Result<CertIdentity> who = PeerIdentity(self->stream_->native_handle());
        if (!who.ok()) return self->Refuse("certificate: " + who.status().message());
        self->identity_ = std::move(*who);
        self->owner_->Verified(*self->identity_);
        self->Secured();
      });
}

void Transport::Connection::Secured() {
  if (!dialed_) return Read();
  timer_.cancel();
  Open();
}

void Transport::Connection::Refuse(std::string_view why) {
  ++owner_->stats_.refused;
  Close(why);
}

std::string Transport::Connection::Describe() const {
  std::string who = peer_.empty() ? remote_ + " (before hello)" : peer_;
  if (identity_)
    who += " [" + std::string(RoleName(identity_->role)) + " " + identity_->name + "]";
  return who;
}

void Transport::Connection::Open() {
  state_ = State::kOpen;
  const std::string hello = FrameHello(owner_->self_);
  queued_bytes_ += hello.size();
  queue_.push_front(hello);
  ScheduleWrite();
  Read();
}

void Transport::Connection::Read() {
  auto on_read = [self = shared_from_this()](error_code ec, size_t bytes) {
    if (self->state_ == State::kClosed) return;
    if (ec) {
      const bool closed =
          ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
      return self->Close(closed ? "closed by peer" : ec.message());
    }
    self->OnRead(bytes);
  };
  if (stream_) {
    stream_->async_read_some(asio::buffer(read_buffer_), std::move(on_read));
  } else {
    socket_.async_read_some(asio::buffer(read_buffer_), std::move(on_read));
  }
}

void Transport::Connection::OnRead(size_t bytes) {
  reader_.Append(std::string_view(read_buffer_.data(), bytes));
  std::vector<Message> batch;
  std::string payload;
  bool healthy = true;
  while (healthy) {
    auto next = reader_.Next(&payload);
    if (!next.ok()) {
      ++owner_->stats_.bad_frames;
      Close("bad frame: " + next.status().message());
      healthy = false;
    } else if (!*next) {
      break;
    } else {
      healthy = TakeFrame(payload, &batch);
    }
  }
  if (dialed_ && !heard_ && !batch.empty()) {
    heard_ = true;
    owner_->Connected(peer_);
  }
  // Deliver what arrived intact even if a later frame was bad.
  if (!batch.empty()) owner_->Deliver(peer_, std::move(batch));
  if (state_ != State::kClosed) Read();
}

bool Transport::Connection::TakeFrame(const std::string& payload,
                                      std::vector<Message>* batch) {
  if (state_ == State::kAwaitingHello) {
    auto hello = ParseHello(payload);
    if (!hello.ok()) {
      ++owner_->stats_.bad_frames;
      Close(hello.status().message());
      return false;
    }
    if (identity_) {
      if (std::string why = owner_->ClaimRefused(*hello, *identity_); !why.empty()) {
        Refuse(why);
        return false;
      }
    }
    peer_ = *hello;
    reader_.set_limit(kMaxMessageBytes);
    state_ = State::kOpen;
    timer_.cancel();
    owner_->Adopt(shared_from_this());
    return true;
  }
  auto message = Decode(payload);
  if (!message.ok()) {
    ++owner_->stats_.bad_frames;
    Close("undecodable message: " + message.status().message());
    return false;
  }
  if (identity_) {
    if (Status s = Admit(*identity_, *message); !s.ok()) {
      Refuse("refused: " + s.message());
      return false;
    }
  }
  ++owner_->stats_.messages_in;
  batch->push_back(std::move(*message));
  return true;
}

void Transport::Connection::Enqueue(std::string frame) {
  if (state_ == State::kClosed || queued_bytes_ + frame.size() > kMaxQueuedBytes) {
    ++owner_->stats_.messages_dropped;
    if (!dropped_logged_) {
      Log("transport: queue to " + peer_ + " is full; dropping messages");
      dropped_logged_ = true;
    }
    return;
  }
  queued_bytes_ += frame.size();
  queue_.push_back(std::move(frame));
  ScheduleWrite();
}

std::deque<std::string> Transport::Connection::TakeQueue() {
  queued_bytes_ = 0;
  return std::exchange(queue_, {});
}

// Posted rather than started here: see the threading note in transport.h.
void Transport::Connection::ScheduleWrite() {
  if (state_ != State::kOpen || write_posted_ || writing_frames_ > 0 || queue_.empty()) {
    return;
  }
  write_posted_ = true;
  asio::post(owner_->io_, [self = shared_from_this()] {
    self->write_posted_ = false;
    if (self->state_ == State::kOpen) self->Write();
  });
}

void Transport::Connection::Write() {
  if (writing_frames_ > 0 || queue_.empty()) return;
  std::vector<asio::const_buffer> buffers;
  for (size_t i = 0; i < queue_.size() && i < kMaxFramesPerWrite; ++i) {
    buffers.push_back(asio::buffer(queue_[i]));
  }
  writing_frames_ = buffers.size();
  auto on_written = [self = shared_from_this()](error_code ec, size_t) {
    if (self->state_ == State::kClosed) return;
    if (ec) return self->Close("write: " + ec.message());
    for (; self->writing_frames_ > 0; --self->writing_frames_) {
      self->queued_bytes_ -= self->queue_.front().size();
      self->queue_.pop_front();
    }
    self->dropped_logged_ = false;
    self->Write();
  };
  if (stream_) {
    asio::async_write(*stream_, buffers, std::move(on_written));
  } else {
    asio::async_write(socket_, buffers, std::move(on_written));
  }
}

void Transport::Connection::Close(std::string_view why, bool notify) {
  if (state_ == State::kClosed) return;
  const bool was_open = state_ == State::kOpen;
  state_ = State::kClosed;
  error_code ignored;
  Socket().close(ignored);
  timer_.cancel();
  resolver_.cancel();
  const bool lost_messages = !queue_.empty();
  if (lost_messages) owner_->stats_.messages_dropped += queue_.size();
  // The frames a write is still sending stay until its handler runs: an SSL
  // stream's write goes on encrypting from them after the socket is closed
  // (freeing them was a use-after-free, found by the chaos test under ASan).
  queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(writing_frames_),
               queue_.end());
  queued_bytes_ = 0;
  if (!notify) return;
  // A connection that ends cleanly before saying hello is a dial the other
  // side abandoned (both dialed at once) or a port probe: not worth a line.
  const bool quiet = peer_.empty() && why == "closed by peer";
  if (!owner_->closed_ && !quiet) {
    Log("transport: connection " + std::string(dialed_ ? "to " : "from ") + Describe() +
        " closed: " + std::string(why));
  }
  owner_->Closed(shared_from_this(), was_open, lost_messages);
}

Transport::Transport(asio::io_context& io) : io_(io), acceptor_(io) {}

Transport::~Transport() { Close(); }

Result<std::string> Transport::Listen(const std::string& listen,
                                      const std::string& advertise) {
  auto address = ParseHostPort(listen);
  if (!address.ok()) return address.status();
  auto bound = BindAcceptor(acceptor_, *address);
  if (!bound.ok()) return bound.status();
  self_ = advertise.empty() ? FormatEndpoint(*bound) : advertise;
  Accept();
  return FormatEndpoint(*bound);
}

void Transport::Accept() {
  acceptor_.async_accept([this](error_code ec, tcp::socket socket) {
    // Aborted: the transport closed and may already be gone; touch nothing.
    if (ec == asio::error::operation_aborted || closed_) return;
    if (ec) {
      // Out of descriptors, typically: keep the port, try again.
      Log("transport: accept: " + ec.message());
    } else {
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      ++stats_.connections_accepted;
      auto conn = std::make_shared<Connection>(this, std::move(socket));
      connections_.insert(conn);
      conn->StartAccepted();
    }
    Accept();
  });
}

void Transport::Send(const std::string& to, const Message& message) {
  Result<std::string> frame = FrameMessage(message);
  if (!frame.ok()) {
    Log("not sent to " + to + ": " + frame.status().ToString());
    return;
  }
  SendFrame(to, std::move(frame).value());
}

void Transport::SendFrame(const std::string& to, std::string frame) {
  if (closed_) return;
  Link& link = links_[to];
  if (!link.conn) {
    auto delay = std::chrono::steady_clock::duration::zero();
    if (link.retry_at) delay = *link.retry_at - std::chrono::steady_clock::now();
    link.conn = std::make_shared<Connection>(this, to);
    connections_.insert(link.conn);
    link.conn->StartDialing(delay);
  }
  ++stats_.messages_out;
  link.conn->Enqueue(std::move(frame));
}

std::string Transport::ClaimRefused(const std::string& address,
                                    const CertIdentity& who) const {
  // Replies to an address go over the connection whose hello claimed it
  // last: a member claiming another's address would receive its messages.
  // An address whose holder is gone may change hands (a machine reused).
  auto it = links_.find(address);
  if (it == links_.end() || it->second.owner.empty() || it->second.owner == who.name)
    return {};
  if (!it->second.conn || !it->second.conn->open()) return {};
  return "its hello claims " + address + ", the address of member " + it->second.owner;
}

// A peer said hello: the newest connection from it carries our replies. A
// dial still waiting to connect hands its queue over and is abandoned.
void Transport::Adopt(const std::shared_ptr<Connection>& conn) {
  Link& link = links_[conn->peer()];
  if (link.conn && link.conn != conn && !link.conn->open()) {
    for (auto& frame : link.conn->TakeQueue()) conn->Enqueue(std::move(frame));
    auto abandoned = std::exchange(link.conn, nullptr);
    abandoned->Close("superseded", /*notify=*/false);
    connections_.erase(abandoned);
  }
  link.conn = conn;
  if (const CertIdentity* who = conn->identity()) link.owner = who->name;
  link.backoff = std::chrono::milliseconds(0);
  link.retry_at.reset();
}

void Transport::Connected(const std::string& peer) {
  Link& link = links_[peer];
  link.backoff = std::chrono::milliseconds(0);
  link.retry_at.reset();
}

// Only the connection that carries our messages to a peer, or one that had
// messages queued, counts as losing the peer: an older connection from a peer
// that has since reconnected may die without the peer being gone.
void Transport::Closed(const std::shared_ptr<Connection>& conn, bool was_open,
                       bool lost_messages) {
  connections_.erase(conn);
  if (closed_) return;
  auto it = links_.find(conn->peer());
  const bool current = it != links_.end() && it->second.conn == conn;
  if (current) {
    Link& link = it->second;
    link.conn.reset();
    // A dial the peer never answered failed, open or not: a refused TLS
    // member retries at the backoff's pace, not at its heartbeat's.
    if (conn->dialed() && !conn->heard()) {
      ++stats_.connect_failures;
      link.backoff = std::clamp(link.backoff * 2, std::chrono::milliseconds(kMinBackoff),
                                std::chrono::milliseconds(kMaxBackoff));
      link.retry_at = std::chrono::steady_clock::now() + link.backoff;
    }
  }
  if (((current && was_open) || lost_messages) && !conn->peer().empty() && delegate_) {
    delegate_->OnPeerLost(conn->peer());
  }
}

void Transport::Deliver(const std::string& from, std::vector<Message> messages) {
  if (!closed_ && delegate_) delegate_->OnMessages(from, std::move(messages));
}

void Transport::Close() {
  if (closed_) return;
  closed_ = true;
  error_code ignored;
  acceptor_.close(ignored);
  for (const auto& conn : std::set(connections_)) conn->Close("shutting down");
  connections_.clear();
  links_.clear();
}

}  // namespace dds
