// HTTPS contexts (see https.h).
#include "runtime/http/https.h"

#include <openssl/ssl.h>

#include <string>

namespace dds::http {
namespace {

namespace ssl = boost::asio::ssl;

Status Bad(const std::string& what, const std::filesystem::path& path,
           const boost::system::error_code& ec) {
  return Status::InvalidArgument("HTTPS " + what + " " + path.string() + ": " +
                                 ec.message());
}

}  // namespace

Result<SslContextPtr> LoadHttpsServer(const HttpsFiles& files) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  context->use_certificate_chain_file(files.cert.string(), ec);
  if (ec) return Bad("certificate", files.cert, ec);
  context->use_private_key_file(files.key.string(), ssl::context::pem, ec);
  if (ec) return Bad("key", files.key, ec);
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    return Status::InvalidArgument("HTTPS key " + files.key.string() +
                                   ": does not match the certificate " +
                                   files.cert.string());
  }
  return context;
}

Result<SslContextPtr> MakeHttpsClient(
    const std::vector<std::filesystem::path>& extra_cas) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  context->set_default_verify_paths(ec);
  if (ec) return Status::IOError("HTTPS: the system's CA certificates: " + ec.message());
  for (const std::filesystem::path& ca : extra_cas) {
    context->load_verify_file(ca.string(), ec);
    if (ec) return Bad("CA bundle", ca, ec);
  }
  context->set_verify_mode(ssl::verify_peer);
  return context;
}

}  // namespace dds::http
