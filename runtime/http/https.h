// TLS for the users' side: the context an HTTPS front end serves with, and the
// one an HTTPS client verifies servers with. Unlike the control connections
// (runtime/tls/), these talk to browsers, curl and other clients: TLS 1.2 or
// newer, no client certificates, and a server certificate from any CA the
// operator picks (a public one, or the cluster CA with `dds ca issue --host`).
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <memory>
#include <vector>

#include "core/status.h"

namespace dds::http {

struct HttpsFiles {
  std::filesystem::path cert;  // PEM: the certificate, then any intermediates
  std::filesystem::path key;   // PEM: its private key
};

using SslContextPtr = std::shared_ptr<boost::asio::ssl::context>;

// Loads a server context; fails with one line naming the file if a file is
// unreadable or the key does not match the certificate.
Result<SslContextPtr> LoadHttpsServer(const HttpsFiles& files);

// A client context that verifies servers against the system's trusted CAs
// and every CA in `extra_cas` (PEM bundles, the cluster CA for instance).
Result<SslContextPtr> MakeHttpsClient(
    const std::vector<std::filesystem::path>& extra_cas);

}  // namespace dds::http
