// Loading a process's TLS credentials; see credentials.h.
#include "runtime/tls/credentials.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>

namespace dds {
namespace {

namespace ssl = boost::asio::ssl;

Status Bad(const std::string& what, const std::filesystem::path& path,
           const std::string& why) {
  return Status::InvalidArgument(what + " " + path.string() + ": " + why);
}

// The certificate must be one the peers will accept: signed by a CA of
// the bundle, in its validity period, fit for both ends of a connection.
Status VerifyOwn(SSL_CTX* native, X509* cert) {
  OpenSslPtr<X509_STORE_CTX, X509_STORE_CTX_free> check(X509_STORE_CTX_new());
  if (!check || X509_STORE_CTX_init(check.get(), SSL_CTX_get_cert_store(native), cert,
                                    nullptr) != 1) {
    return Status::IOError("out of memory checking a certificate");
  }
  X509_STORE_CTX_set_purpose(check.get(), X509_PURPOSE_SSL_SERVER);
  if (X509_verify_cert(check.get()) != 1) {
    return Status::InvalidArgument(
        X509_verify_cert_error_string(X509_STORE_CTX_get_error(check.get())));
  }
  return Status::Ok();
}

}  // namespace

Result<std::shared_ptr<TlsCredentials>> TlsCredentials::Load(const TlsFiles& files) {
  ssl::context context(ssl::context::tls);
  SSL_CTX* native = context.native_handle();
  // TLS 1.3 only: no downgrade, forward secrecy always; peers are all dds.
  SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION);
  // Each connection is long-lived and made afresh: tickets would be unused.
  SSL_CTX_set_num_tickets(native, 0);
  // AES-128-GCM first (OpenSSL's default puts AES-256 first): bulk chunk
  // transfer is bound by the cipher, and 128-bit AES is ample for traffic
  // that lives as long as a cluster's certificates. Measured in
  // bench/cluster/README.md.
  SSL_CTX_set_ciphersuites(native, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384");
  boost::system::error_code ec;
  context.load_verify_file(files.ca.string(), ec);
  if (ec) return Bad("CA bundle", files.ca, ec.message());
  context.use_certificate_chain_file(files.cert.string(), ec);
  if (ec) return Bad("certificate", files.cert, ec.message());
  context.use_private_key_file(files.key.string(), ssl::context::pem, ec);
  if (ec) return Bad("key", files.key, ec.message());
  if (SSL_CTX_check_private_key(native) != 1)
    return Bad("key", files.key, "does not match the certificate " + files.cert.string());
  context.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
  if (ec) return Status::IOError("TLS: " + ec.message());
  X509* cert = SSL_CTX_get0_certificate(native);
  Result<CertIdentity> self = IdentityOf(cert);
  if (!self.ok()) return Bad("certificate", files.cert, self.status().message());
  if (Status s = VerifyOwn(native, cert); !s.ok())
    return Bad("certificate", files.cert,
               "not accepted by the CA bundle " + files.ca.string() + ": " + s.message());
  return std::shared_ptr<TlsCredentials>(
      new TlsCredentials(files, std::move(context), std::move(*self)));
}

Result<CertIdentity> PeerIdentity(SSL* ssl) {
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) return Status::InvalidArgument("no certificate");
  return IdentityOf(cert);
}

std::string FormatExpiry(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &utc);
  return text;
}

}  // namespace dds
