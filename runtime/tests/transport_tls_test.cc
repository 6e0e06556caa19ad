// Goal: with TLS credentials the transport lets in only members of the
// cluster CA, and each member may say only what its certificate allows:
// its own name, its own role's messages, its own address. Strangers
// (plaintext, another CA, an expired certificate) are refused and change
// nothing; several CAs can be trusted at once, and new credentials serve
// new connections (rotation). Method: real transports on loopback in one
// io_context, certificates issued by runtime/tls/certs.h in a temp dir.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/test/unit_test.hpp>
#include <fstream>

#include "runtime/tests/test_util.h"
#include "runtime/tls/certs.h"
#include "runtime/tls/credentials.h"
#include "runtime/transport.h"

namespace dds {
namespace {

namespace asio = boost::asio;
using testing::RunUntil;
using testing::TempDir;

struct Recorder : Transport::Delegate {
  void OnMessages(const std::string& from, std::vector<Message> batch) override {
    for (auto& m : batch) received.emplace_back(from, std::move(m));
  }
  void OnPeerLost(const std::string&) override {}
  std::vector<std::pair<std::string, Message>> received;
};

// A process: a transport with credentials (or none), listening on loopback.
struct Member {
  Member(asio::io_context& io, std::shared_ptr<TlsCredentials> tls,
         const std::string& advertise = "")
      : transport(io) {
    transport.set_delegate(&recorder);
    transport.set_tls(std::move(tls));
    transport.Listen("127.0.0.1:0", advertise).value();
  }
  const std::string& address() const { return transport.self(); }
  uint64_t refused() const { return transport.stats().refused; }
  Transport transport;
  Recorder recorder;
};

// A CA in DIR/<ca> that issues member credentials.
struct Ca {
  Ca(const TempDir& tmp, const std::string& name) : dir(tmp / name) {
    BOOST_REQUIRE(InitCa(dir).ok());
  }
  std::shared_ptr<TlsCredentials> Issue(const std::string& name, Role role,
                                        const std::string& bundle = "") {
    BOOST_REQUIRE(IssueCert(dir, name, role, 30, dir, /*overwrite=*/false).ok());
    return Load(name, bundle);
  }
  std::shared_ptr<TlsCredentials> Load(const std::string& name,
                                       const std::string& bundle = "") {
    auto loaded = TlsCredentials::Load(
        {bundle.empty() ? CaPaths::Cert(dir) : std::filesystem::path(bundle),
         CaPaths::MemberCert(dir, name), CaPaths::MemberKey(dir, name)});
    BOOST_REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
    return *loaded;
  }
  std::filesystem::path dir;
};

Message RegisterAs(const std::string& name) { return Register{name, "", {}, {}}; }

// A certificate of `ca` for node `name` that expired yesterday, which
// `dds ca` would never issue: written with OpenSSL directly.
void IssueExpired(const Ca& ca, const std::string& name) {
  X509Ptr ca_cert = ReadCertFile(CaPaths::Cert(ca.dir)).value();
  EvpPkeyPtr ca_key = ReadKeyFile(CaPaths::Key(ca.dir)).value();
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  X509Ptr cert(X509_new());
  BOOST_REQUIRE(key && cert);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 7);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -2 * 86400);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), -86400);
  X509_NAME* subject = X509_get_subject_name(cert.get());
  auto add = [&](const char* field, const std::string& value) {
    X509_NAME_add_entry_by_txt(subject, field, MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(value.c_str()), -1,
                               -1, 0);
  };
  add("OU", "dds-node");
  add("CN", name);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get()));
  X509_set_pubkey(cert.get(), key.get());
  BOOST_REQUIRE(X509_sign(cert.get(), ca_key.get(), EVP_sha256()) > 0);
  FILE* out = std::fopen(CaPaths::MemberCert(ca.dir, name).c_str(), "w");
  PEM_write_X509(out, cert.get());
  std::fclose(out);
  out = std::fopen(CaPaths::MemberKey(ca.dir, name).c_str(), "w");
  PEM_write_PrivateKey(out, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(out);
}

struct Cluster {
  TempDir tmp;
  asio::io_context io;
  Ca ca{tmp, "ca"};
  Member master{io, ca.Issue("master", Role::kMaster)};
};

BOOST_AUTO_TEST_SUITE(transport_tls)

BOOST_FIXTURE_TEST_CASE(members_talk_over_mutual_tls, Cluster) {
  Member n1(io, ca.Issue("n1", Role::kNode));
  n1.transport.Send(master.address(), RegisterAs("n1"));
  BOOST_REQUIRE(RunUntil(io, [&] { return master.recorder.received.size() == 1; }));
  BOOST_TEST(master.recorder.received[0].first == n1.address());
  master.transport.Send(n1.address(), Welcome{});
  BOOST_REQUIRE(RunUntil(io, [&] { return n1.recorder.received.size() == 1; }));
  BOOST_TEST(n1.recorder.received[0].first == master.address());
  BOOST_TEST(master.refused() == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_member_cannot_speak_in_another_name, Cluster) {
  Member n3(io, ca.Issue("n3", Role::kNode));
  n3.transport.Send(master.address(), RegisterAs("n1"));
  BOOST_REQUIRE(RunUntil(io, [&] { return master.refused() == 1; }));
  // Its handshake had completed (TLS 1.3), yet it counts as a failed dial
  // and backs off, rather than redialing at every message.
  BOOST_REQUIRE(RunUntil(io, [&] { return n3.transport.stats().connect_failures == 1; }));
  // Nothing after the refusal gets through either: the connection is gone.
  n3.transport.Send(master.address(), RegisterAs("n3"));
  RunUntil(
      io, [&] { return !master.recorder.received.empty(); },
      std::chrono::milliseconds(300));
  for (const auto& [from, m] : master.recorder.received) {
    BOOST_TEST(std::get<Register>(m).node == "n3");  // only under its own name
  }
}

BOOST_FIXTURE_TEST_CASE(a_node_cannot_send_what_only_the_master_sends, Cluster) {
  Member n1(io, ca.Issue("n1", Role::kNode));
  Member n2(io, ca.Issue("n2", Role::kNode));
  n1.transport.Send(n2.address(), Welcome{});
  BOOST_REQUIRE(RunUntil(io, [&] { return n2.refused() == 1; }));
  BOOST_TEST(n2.recorder.received.empty());
  // And the master cannot pose as a node.
  master.transport.Send(n2.address(), RegisterAs("master"));
  BOOST_REQUIRE(RunUntil(io, [&] { return n2.refused() == 2; }));
  BOOST_TEST(n2.recorder.received.empty());
}

BOOST_FIXTURE_TEST_CASE(strangers_are_refused, Cluster) {
  Member plaintext(io, nullptr);
  plaintext.transport.Send(master.address(), RegisterAs("n1"));
  BOOST_REQUIRE(RunUntil(io, [&] { return master.refused() == 1; }));

  Ca other(tmp, "other");
  Member foreign(io, other.Issue("n1", Role::kNode));
  foreign.transport.Send(master.address(), RegisterAs("n1"));
  BOOST_REQUIRE(RunUntil(io, [&] { return master.refused() == 2; }));
  BOOST_TEST(foreign.recorder.received.empty());
  // Refused, it backs off like a failed dial rather than redialing at once.
  BOOST_REQUIRE(
      RunUntil(io, [&] { return foreign.transport.stats().connect_failures == 1; }));

  // An expired certificate cannot even be loaded, so dial by hand.
  IssueExpired(ca, "old");
  asio::ssl::context context(asio::ssl::context::tls);
  context.use_certificate_file(CaPaths::MemberCert(ca.dir, "old").string(),
                               asio::ssl::context::pem);
  context.use_private_key_file(CaPaths::MemberKey(ca.dir, "old").string(),
                               asio::ssl::context::pem);
  asio::ssl::stream<asio::ip::tcp::socket> stream(io, context);
  const auto colon = master.address().rfind(':');
  stream.next_layer().connect(asio::ip::tcp::endpoint(
      asio::ip::make_address("127.0.0.1"),
      static_cast<uint16_t>(std::stoi(master.address().substr(colon + 1)))));
  stream.async_handshake(asio::ssl::stream_base::client,
                         [](boost::system::error_code) {});
  BOOST_REQUIRE(RunUntil(io, [&] { return master.refused() == 3; }));
  BOOST_TEST(master.recorder.received.empty());
}

BOOST_FIXTURE_TEST_CASE(plaintext_and_tls_do_not_mix, Cluster) {
  Member plain(io, nullptr);
  Member n1(io, ca.Issue("n1", Role::kNode));
  n1.transport.Send(plain.address(), RegisterAs("n1"));
  BOOST_REQUIRE(RunUntil(io, [&] { return plain.transport.stats().bad_frames >= 1; }));
  BOOST_TEST(plain.recorder.received.empty());
}

BOOST_FIXTURE_TEST_CASE(a_hello_cannot_claim_a_live_members_address, Cluster) {
  Member n1(io, ca.Issue("n1", Role::kNode));
  n1.transport.Send(master.address(), RegisterAs("n1"));
  BOOST_REQUIRE(RunUntil(io, [&] { return master.recorder.received.size() == 1; }));
  // n3 says hello with n1's address, to receive what the master sends n1.
  Member n3(io, ca.Issue("n3", Role::kNode), n1.address());
  n3.transport.Send(master.address(), RegisterAs("n3"));
  BOOST_REQUIRE(RunUntil(io, [&] { return master.refused() == 1; }));
  BOOST_TEST(master.recorder.received.size() == 1u);
  master.transport.Send(n1.address(), Welcome{});
  BOOST_REQUIRE(RunUntil(io, [&] { return n1.recorder.received.size() == 1; }));
  BOOST_TEST(n3.recorder.received.empty());
}

BOOST_FIXTURE_TEST_CASE(two_cas_are_trusted_at_once_and_new_credentials_apply, Cluster) {
  // A CA change: members of the new CA are refused until the master
  // trusts both, which it does from its next credentials on.
  Ca next(tmp, "next");
  const std::string both = tmp / "both.crt";
  std::ofstream(both) << testing::ReadFile(CaPaths::Cert(ca.dir))
                      << testing::ReadFile(CaPaths::Cert(next.dir));
  Member n9(io, next.Issue("n9", Role::kNode, both));
  n9.transport.Send(master.address(), RegisterAs("n9"));
  BOOST_REQUIRE(RunUntil(io, [&] { return master.refused() == 1; }));
  master.transport.set_tls(ca.Load("master", both));
  BOOST_REQUIRE(RunUntil(io, [&] {
    n9.transport.Send(master.address(), RegisterAs("n9"));  // until a new dial
    return !master.recorder.received.empty();
  }));
  BOOST_TEST(std::get<Register>(master.recorder.received[0].second).node == "n9");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
