// A process's TLS credentials: the CA bundle it trusts, its certificate and
// its key, loaded into an Asio SSL context for mutual TLS 1.3 between dds
// processes. A loaded set is immutable; rotation loads a new set (on
// SIGHUP) that new connections use, while open ones keep theirs.
//
// Loading checks what would otherwise fail at the first handshake, so a
// misconfiguration is one line at start (or at reload) instead of a cluster
// that cannot talk: the key matches the certificate, the certificate is a
// valid dds member certificate (runtime/tls/certs.h) signed by a CA of the
// bundle, and it has not expired.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "core/status.h"
#include "runtime/tls/certs.h"

namespace dds {

struct TlsFiles {
  std::filesystem::path ca;  // PEM bundle: every CA trusted (several during a CA change)
  std::filesystem::path cert;  // this process's certificate (PEM)
  std::filesystem::path key;   // its private key (PEM)
};

class TlsCredentials {
 public:
  static Result<std::shared_ptr<TlsCredentials>> Load(const TlsFiles& files);

  // For ssl::stream, which takes the context by reference: keep the
  // credentials alive as long as any stream made from them.
  boost::asio::ssl::context& context() { return context_; }
  // Who this process is, by its own certificate.
  const CertIdentity& self() const { return self_; }
  const TlsFiles& files() const { return files_; }

 private:
  TlsCredentials(TlsFiles files, boost::asio::ssl::context context, CertIdentity self)
      : files_(std::move(files)), context_(std::move(context)), self_(std::move(self)) {}

  const TlsFiles files_;
  boost::asio::ssl::context context_;
  const CertIdentity self_;
};

// The identity in the certificate a TLS peer presented (the handshake has
// verified it against the bundle).
Result<CertIdentity> PeerIdentity(SSL* ssl);

// "2027-03-01 12:00:00 UTC": how logs and status show an expiry.
std::string FormatExpiry(std::chrono::system_clock::time_point when);

// A certificate that expires within this is flagged in logs and status, so
// that rotation (docs/security.md) happens before anything breaks.
inline constexpr std::chrono::hours kExpiryWarningAhead{24 * 30};
inline bool ExpiresSoon(const CertIdentity& cert,
                        std::chrono::system_clock::time_point now) {
  return cert.not_after - now < kExpiryWarningAhead;
}

}  // namespace dds
