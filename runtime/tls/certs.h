// The cluster's certificate authority: the CA and member certificates that
// `dds ca` writes and mutual TLS between dds processes presents, and who a
// verified certificate says its holder is (IdentityOf).
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace dds {

enum class Role { kNode, kMaster };
std::string_view RoleName(Role role);           // "node" / "master"
Result<Role> ParseRole(std::string_view name);  // the error names the valid roles

// Who a certificate says its holder is.
struct CertIdentity {
  std::string name;  // the subject's CN
  Role role;         // from the subject's OU: "dds-node" or "dds-master"
  std::chrono::system_clock::time_point not_after;
};

// The identity in a certificate the TLS stack has already verified. Fails
// with one line if the subject's CN or OU is missing, duplicated, or not a
// dds name / role.
Result<CertIdentity> IdentityOf(X509* cert);

// "" if `name` is a dds name (1-64 letters, digits, '-', '_' and '.', the rule
// for node names), else the reason it is not.
std::string CheckMemberName(std::string_view name);

// The files of a CA directory. Certificates are PEM, 0644, a member's without
// the CA certificate appended; keys are unencrypted PEM, 0600.
struct CaPaths {
  static std::filesystem::path Cert(const std::filesystem::path& dir);  // DIR/ca.crt
  static std::filesystem::path Key(const std::filesystem::path& dir);   // DIR/ca.key
  static std::filesystem::path MemberCert(const std::filesystem::path& dir,
                                          std::string_view name);  // DIR/NAME.crt
  static std::filesystem::path MemberKey(const std::filesystem::path& dir,
                                         std::string_view name);  // DIR/NAME.key
};

// Validity periods, in days.
inline constexpr int kDefaultCaDays = 3650;
inline constexpr int kDefaultCertDays = 825;
inline constexpr int kMaxDays = 36500;

// Creates a CA in `dir` (made 0700 if missing), named "dds cluster CA <random
// hex>" so that two CAs are told apart. Refuses, writing nothing, if ca.crt or
// ca.key exists.
Status InitCa(const std::filesystem::path& dir, int days = kDefaultCaDays);

// Issues NAME.crt and NAME.key in `out_dir` (made 0700 if missing), signed by
// the CA in `ca_dir`, valid for `days` but never beyond the CA. `hosts` (IP
// addresses or DNS names) are added as subject alternative names, so the same
// certificate can serve HTTPS to users at those hosts (--https-cert). Refuses
// an invalid name or host, an expired CA, and existing files unless
// `overwrite` (rotation), which replaces each file atomically.
Status IssueCert(const std::filesystem::path& ca_dir, std::string_view name, Role role,
                 int days, const std::filesystem::path& out_dir, bool overwrite,
                 const std::vector<std::string>& hosts = {});

// The subjectAltName entry for `host`, "IP:…" or "DNS:…"; InvalidArgument if
// it is neither an IP address nor a DNS name.
Result<std::string> AltNameOf(std::string_view host);

// Owning handles for OpenSSL objects: OpenSslPtr<X509_STORE, X509_STORE_free>.
template <auto Free>
struct OpenSslFree {
  template <typename T>
  void operator()(T* object) const {
    Free(object);
  }
};
template <typename T, auto Free>
using OpenSslPtr = std::unique_ptr<T, OpenSslFree<Free>>;
using X509Ptr = OpenSslPtr<X509, X509_free>;
using EvpPkeyPtr = OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;

// The first certificate, or the private key, in a PEM file. An encrypted key
// is refused rather than prompted for.
Result<X509Ptr> ReadCertFile(const std::filesystem::path& path);
Result<EvpPkeyPtr> ReadKeyFile(const std::filesystem::path& path);

}  // namespace dds
