// Tests of the cluster CA (runtime/tls/certs.h): the files InitCa and
// IssueCert write, checked with OpenSSL's own verifier, and IdentityOf on
// good and forged subjects. Also the Boost.Test entry point of tls_test.
#define BOOST_TEST_MODULE tls
#include "runtime/tls/certs.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <ctime>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/tests/test_util.h"

namespace dds {
namespace {

namespace fs = std::filesystem;
using dds::testing::ReadFile;
using dds::testing::TempDir;
using std::chrono::system_clock;

using StorePtr = OpenSslPtr<X509_STORE, X509_STORE_free>;
using StoreCtxPtr = OpenSslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;
using BioPtr = OpenSslPtr<BIO, BIO_free_all>;

constexpr auto kDay = std::chrono::hours(24);

X509Ptr LoadCert(const fs::path& path) {
  Result<X509Ptr> cert = ReadCertFile(path);
  BOOST_REQUIRE_MESSAGE(cert.ok(), cert.status().message());
  return std::move(cert.value());
}

EvpPkeyPtr LoadKey(const fs::path& path) {
  Result<EvpPkeyPtr> key = ReadKeyFile(path);
  BOOST_REQUIRE_MESSAGE(key.ok(), key.status().message());
  return std::move(key.value());
}

void RequireOk(const Status& status) {
  BOOST_REQUIRE_MESSAGE(status.ok(), status.message());
}

void Issue(const fs::path& ca, const std::string& name, Role role, int days = 825) {
  RequireOk(IssueCert(ca, name, role, days, ca, false));
}

// "" if OpenSSL accepts `cert` as issued by the CA in `ca_dir` for `purpose`,
// else its reason.
std::string Verify(X509* cert, const fs::path& ca_dir, int purpose) {
  const X509Ptr ca = LoadCert(CaPaths::Cert(ca_dir));
  StorePtr store(X509_STORE_new());
  StoreCtxPtr context(X509_STORE_CTX_new());
  BOOST_REQUIRE(store && context && X509_STORE_add_cert(store.get(), ca.get()) == 1);
  BOOST_REQUIRE(X509_STORE_CTX_init(context.get(), store.get(), cert, nullptr) == 1);
  BOOST_REQUIRE(X509_STORE_CTX_set_purpose(context.get(), purpose) == 1);
  if (X509_verify_cert(context.get()) == 1) return "";
  return X509_verify_cert_error_string(X509_STORE_CTX_get_error(context.get()));
}

mode_t ModeOf(const fs::path& path) {
  struct stat info {};
  BOOST_REQUIRE_EQUAL(::stat(path.c_str(), &info), 0);
  return info.st_mode & 07777;
}

mode_t CurrentUmask() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return mask;
}

std::vector<std::string> Listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string Field(X509* cert, int nid) {
  X509_NAME* subject = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_NID(subject, nid, -1);
  BOOST_REQUIRE(index >= 0);
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<size_t>(ASN1_STRING_length(data)));
}

// `cert` changed by `change` and signed again with the key of the CA in
// `ca_dir`: a certificate the CA could have issued.
X509Ptr Resigned(X509Ptr cert, const fs::path& ca_dir,
                 const std::function<void(X509*)>& change) {
  change(cert.get());
  const EvpPkeyPtr ca_key = LoadKey(CaPaths::Key(ca_dir));
  BOOST_REQUIRE(X509_sign(cert.get(), ca_key.get(), EVP_sha256()) != 0);
  return cert;
}

// Replaces the subject with `entries`, (short field name, value) pairs.
std::function<void(X509*)> SubjectOf(
    std::vector<std::pair<std::string, std::string>> entries) {
  return [entries = std::move(entries)](X509* cert) {
    OpenSslPtr<X509_NAME, X509_NAME_free> name(X509_NAME_new());
    for (const auto& [field, value] : entries) {
      BOOST_REQUIRE(X509_NAME_add_entry_by_txt(
                        name.get(), field.c_str(), MBSTRING_ASC,
                        reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                        0) == 1);
    }
    BOOST_REQUIRE(X509_set_subject_name(cert, name.get()) == 1);
  };
}

struct CaFixture {
  CaFixture() { RequireOk(InitCa(ca, 3650)); }
  TempDir temp;
  fs::path ca = fs::path(temp.path()) / "ca";
};

BOOST_AUTO_TEST_SUITE(roles_and_names)

BOOST_AUTO_TEST_CASE(roles_round_trip_and_unknown_ones_name_the_valid_ones) {
  for (const Role role : {Role::kNode, Role::kMaster}) {
    Result<Role> parsed = ParseRole(RoleName(role));
    BOOST_REQUIRE(parsed.ok());
    BOOST_TEST(static_cast<int>(*parsed) == static_cast<int>(role));
  }
  BOOST_TEST(RoleName(Role::kNode) == "node");
  BOOST_TEST(RoleName(Role::kMaster) == "master");
  Result<Role> bad = ParseRole("admin");
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.status().message().find("node") != std::string::npos);
  BOOST_TEST(bad.status().message().find("master") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(member_names_follow_the_node_name_rule) {
  BOOST_TEST(CheckMemberName("n1").empty());
  BOOST_TEST(CheckMemberName("Node_2.eu-west").empty());
  BOOST_TEST(CheckMemberName(std::string(64, 'a')).empty());
  BOOST_TEST(!CheckMemberName(std::string(65, 'a')).empty());
  BOOST_TEST(!CheckMemberName("").empty());
  BOOST_TEST(!CheckMemberName("../x").empty());
  BOOST_TEST(!CheckMemberName("a b").empty());
  BOOST_TEST(!CheckMemberName(std::string("a\0b", 3)).empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(ca_files, CaFixture)

BOOST_AUTO_TEST_CASE(init_writes_a_self_signed_ca_with_private_modes) {
  BOOST_TEST(ModeOf(ca) == 0700u);
  BOOST_TEST(ModeOf(CaPaths::Key(ca)) == 0600u);
  BOOST_TEST(ModeOf(CaPaths::Cert(ca)) == (0644u & ~CurrentUmask()));
  BOOST_TEST((Listing(ca) == std::vector<std::string>{"ca.crt", "ca.key"}));
  const X509Ptr cert = LoadCert(CaPaths::Cert(ca));
  const EvpPkeyPtr key = LoadKey(CaPaths::Key(ca));
  BOOST_TEST(X509_check_private_key(cert.get(), key.get()) == 1);
  BOOST_TEST(X509_check_ca(cert.get()) == 1);
  BOOST_TEST(X509_get_version(cert.get()) == X509_VERSION_3);
  BOOST_TEST(Field(cert.get(), NID_commonName).rfind("dds cluster CA ", 0) == 0u);
  BOOST_TEST(Verify(cert.get(), ca, X509_PURPOSE_ANY) == "");
  BOOST_TEST((X509_get_key_usage(cert.get()) & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)) ==
             (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  BOOST_TEST(X509_get0_subject_key_id(cert.get()) != nullptr);
}

BOOST_AUTO_TEST_CASE(two_cas_have_different_names) {
  const fs::path other = fs::path(temp.path()) / "other";
  RequireOk(InitCa(other, 3650));
  BOOST_TEST(Field(LoadCert(CaPaths::Cert(ca)).get(), NID_commonName) !=
             Field(LoadCert(CaPaths::Cert(other)).get(), NID_commonName));
}

BOOST_AUTO_TEST_CASE(init_refuses_an_existing_ca_and_writes_nothing) {
  const std::string cert_before = ReadFile(CaPaths::Cert(ca));
  const std::string key_before = ReadFile(CaPaths::Key(ca));
  BOOST_TEST(!InitCa(ca, 3650).ok());
  BOOST_TEST(ReadFile(CaPaths::Cert(ca)) == cert_before);
  BOOST_TEST(ReadFile(CaPaths::Key(ca)) == key_before);
  BOOST_TEST((Listing(ca) == std::vector<std::string>{"ca.crt", "ca.key"}));
  // A lone key is a CA too (its certificate lost): not overwritten either.
  fs::remove(CaPaths::Cert(ca));
  BOOST_TEST(!InitCa(ca, 3650).ok());
  BOOST_TEST((Listing(ca) == std::vector<std::string>{"ca.key"}));
  BOOST_TEST(ReadFile(CaPaths::Key(ca)) == key_before);
}

BOOST_AUTO_TEST_CASE(issued_certificates_verify_for_both_ends_of_a_connection) {
  Issue(ca, "n1", Role::kNode);
  Issue(ca, "master", Role::kMaster);
  for (const std::string name : {"n1", "master"}) {
    BOOST_TEST_CONTEXT(name) {
      BOOST_TEST(ModeOf(CaPaths::MemberKey(ca, name)) == 0600u);
      BOOST_TEST(ModeOf(CaPaths::MemberCert(ca, name)) == (0644u & ~CurrentUmask()));
      const X509Ptr cert = LoadCert(CaPaths::MemberCert(ca, name));
      const EvpPkeyPtr key = LoadKey(CaPaths::MemberKey(ca, name));
      BOOST_TEST(X509_check_private_key(cert.get(), key.get()) == 1);
      BOOST_TEST(Verify(cert.get(), ca, X509_PURPOSE_SSL_SERVER) == "");
      BOOST_TEST(Verify(cert.get(), ca, X509_PURPOSE_SSL_CLIENT) == "");
      BOOST_TEST(X509_check_ca(cert.get()) == 0);
      BOOST_TEST(X509_check_host(cert.get(), name.c_str(), 0, 0, nullptr) == 1);
      BOOST_TEST(X509_get_key_usage(cert.get()) ==
                 static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
      BOOST_TEST(X509_get0_authority_key_id(cert.get()) != nullptr);
      BOOST_TEST(X509_get_signature_nid(cert.get()) == NID_ecdsa_with_SHA256);
      BOOST_TEST(EVP_PKEY_is_a(key.get(), "EC") == 1);
      char curve[64] = {};
      BOOST_TEST(EVP_PKEY_get_group_name(key.get(), curve, sizeof curve, nullptr) == 1);
      BOOST_TEST(std::string(curve) == "prime256v1");
      // Only the member's own certificate: the CA's is not appended.
      const std::string pem = ReadFile(CaPaths::MemberCert(ca, name));
      BOOST_TEST(pem.find("BEGIN CERTIFICATE") == pem.rfind("BEGIN CERTIFICATE"));
    }
  }
  const X509Ptr node = LoadCert(CaPaths::MemberCert(ca, "n1"));
  const X509Ptr master = LoadCert(CaPaths::MemberCert(ca, "master"));
  BOOST_TEST(ASN1_INTEGER_cmp(X509_get0_serialNumber(node.get()),
                              X509_get0_serialNumber(master.get())) != 0);
  OpenSslPtr<BIGNUM, BN_free> serial(
      ASN1_INTEGER_to_BN(X509_get0_serialNumber(node.get()), nullptr));
  BOOST_TEST(BN_num_bits(serial.get()) > 64);  // random 128 bits: fails once in 2^64
}

BOOST_AUTO_TEST_CASE(identity_of_gives_name_role_and_expiry) {
  Issue(ca, "n1", Role::kNode, 30);
  Issue(ca, "master", Role::kMaster);
  const X509Ptr node_cert = LoadCert(CaPaths::MemberCert(ca, "n1"));
  Result<CertIdentity> node = IdentityOf(node_cert.get());
  BOOST_REQUIRE_MESSAGE(node.ok(), node.status().message());
  BOOST_TEST(node->name == "n1");
  BOOST_TEST((node->role == Role::kNode));
  const auto expected = system_clock::now() + 30 * kDay;
  BOOST_TEST(std::chrono::abs(node->not_after - expected) < std::chrono::minutes(1));
  Result<CertIdentity> master =
      IdentityOf(LoadCert(CaPaths::MemberCert(ca, "master")).get());
  BOOST_REQUIRE(master.ok());
  BOOST_TEST(master->name == "master");
  BOOST_TEST((master->role == Role::kMaster));
  const ASN1_TIME* not_before = X509_get0_notBefore(node_cert.get());
  std::time_t three_minutes_ago = system_clock::to_time_t(system_clock::now()) - 180;
  BOOST_TEST(X509_cmp_time(not_before, &three_minutes_ago) < 0);  // clock skew allowance
}

BOOST_AUTO_TEST_CASE(another_cas_certificate_does_not_verify) {
  const fs::path other = fs::path(temp.path()) / "other";
  RequireOk(InitCa(other, 3650));
  Issue(other, "n1", Role::kNode);
  const X509Ptr stranger = LoadCert(CaPaths::MemberCert(other, "n1"));
  BOOST_TEST(Verify(stranger.get(), other, X509_PURPOSE_SSL_CLIENT) == "");
  BOOST_TEST(Verify(stranger.get(), ca, X509_PURPOSE_SSL_CLIENT) != "");
}

BOOST_AUTO_TEST_CASE(issue_refuses_bad_names_and_writes_nothing) {
  for (const std::string& name :
       std::vector<std::string>{"../x", "", std::string(65, 'a'), "a/b", "ca"}) {
    BOOST_TEST_CONTEXT(name) {
      const Status status = IssueCert(ca, name, Role::kNode, 825, ca, false);
      BOOST_TEST(!status.ok());
      BOOST_TEST((status.code() == Status::Code::kInvalidArgument));
    }
  }
  BOOST_TEST((Listing(ca) == std::vector<std::string>{"ca.crt", "ca.key"}));
  BOOST_TEST(!fs::exists(fs::path(temp.path()) / "x.key"));
  Issue(ca, std::string(64, 'a'), Role::kNode);
}

BOOST_AUTO_TEST_CASE(issue_refuses_an_existing_certificate_unless_overwriting) {
  Issue(ca, "n1", Role::kNode);
  const std::string cert_before = ReadFile(CaPaths::MemberCert(ca, "n1"));
  const std::string key_before = ReadFile(CaPaths::MemberKey(ca, "n1"));
  BOOST_TEST(!IssueCert(ca, "n1", Role::kNode, 825, ca, false).ok());
  BOOST_TEST(ReadFile(CaPaths::MemberCert(ca, "n1")) == cert_before);
  BOOST_TEST(ReadFile(CaPaths::MemberKey(ca, "n1")) == key_before);

  RequireOk(IssueCert(ca, "n1", Role::kNode, 825, ca, true));
  BOOST_TEST(ReadFile(CaPaths::MemberCert(ca, "n1")) != cert_before);
  BOOST_TEST(ReadFile(CaPaths::MemberKey(ca, "n1")) != key_before);
  BOOST_TEST(ModeOf(CaPaths::MemberKey(ca, "n1")) == 0600u);
  const X509Ptr cert = LoadCert(CaPaths::MemberCert(ca, "n1"));
  BOOST_TEST(X509_check_private_key(cert.get(),
                                    LoadKey(CaPaths::MemberKey(ca, "n1")).get()) == 1);
  BOOST_TEST(Verify(cert.get(), ca, X509_PURPOSE_SSL_SERVER) == "");
  BOOST_TEST(
      (Listing(ca) == std::vector<std::string>{"ca.crt", "ca.key", "n1.crt", "n1.key"}));
}

BOOST_AUTO_TEST_CASE(hosts_become_alternative_names_for_https) {
  RequireOk(IssueCert(ca, "web", Role::kNode, 825, ca, false,
                      {"127.0.0.1", "::1", "a.example", "b-2.example.org"}));
  const X509Ptr cert = LoadCert(CaPaths::MemberCert(ca, "web"));
  BOOST_TEST(X509_check_ip_asc(cert.get(), "127.0.0.1", 0) == 1);
  BOOST_TEST(X509_check_ip_asc(cert.get(), "::1", 0) == 1);
  BOOST_TEST(X509_check_ip_asc(cert.get(), "127.0.0.2", 0) == 0);
  for (const char* host : {"a.example", "b-2.example.org", "web"})
    BOOST_TEST(X509_check_host(cert.get(), host, 0, 0, nullptr) == 1, host);
  BOOST_TEST(X509_check_host(cert.get(), "c.example", 0, 0, nullptr) == 0);
  BOOST_TEST(IdentityOf(cert.get()).value().name == "web");
  for (const std::string& bad :
       std::vector<std::string>{"", "a..b", "-a.example", "a_b", "a b", "a/b",
                                std::string(64, 'x') + ".example", "1.2.3.4:80"}) {
    BOOST_TEST_CONTEXT(bad) {
      BOOST_TEST(!AltNameOf(bad).ok());
      BOOST_TEST(!IssueCert(ca, "bad", Role::kNode, 825, ca, false, {bad}).ok());
    }
  }
  BOOST_TEST(!fs::exists(CaPaths::MemberCert(ca, "bad")));
}

BOOST_AUTO_TEST_CASE(issue_writes_to_another_directory) {
  const fs::path out = fs::path(temp.path()) / "out";
  RequireOk(IssueCert(ca, "n2", Role::kNode, 825, out, false));
  BOOST_TEST(ModeOf(out) == 0700u);
  BOOST_TEST((Listing(out) == std::vector<std::string>{"n2.crt", "n2.key"}));
  BOOST_TEST((Listing(ca) == std::vector<std::string>{"ca.crt", "ca.key"}));
}

BOOST_AUTO_TEST_CASE(issue_refuses_a_missing_ca) {
  const Status status = IssueCert(fs::path(temp.path()) / "nowhere", "n1", Role::kNode,
                                  825, temp.path(), false);
  BOOST_TEST(status.IsNotFound());
  BOOST_TEST(!fs::exists(fs::path(temp.path()) / "n1.key"));
}

BOOST_AUTO_TEST_CASE(issue_refuses_an_expired_ca) {
  const X509Ptr expired = Resigned(LoadCert(CaPaths::Cert(ca)), ca, [](X509* cert) {
    BOOST_REQUIRE(X509_gmtime_adj(X509_getm_notAfter(cert), -3600) != nullptr);
  });
  {
    BioPtr out(BIO_new_file(CaPaths::Cert(ca).c_str(), "w"));
    BOOST_REQUIRE(out && PEM_write_bio_X509(out.get(), expired.get()) == 1);
  }
  const Status status = IssueCert(ca, "n1", Role::kNode, 825, ca, false);
  BOOST_TEST(!status.ok());
  BOOST_TEST(status.message().find("expired") != std::string::npos);
  BOOST_TEST((Listing(ca) == std::vector<std::string>{"ca.crt", "ca.key"}));
}

BOOST_AUTO_TEST_CASE(validity_is_capped_at_the_cas_expiry) {
  const fs::path short_lived = fs::path(temp.path()) / "short";
  RequireOk(InitCa(short_lived, 10));
  Issue(short_lived, "long", Role::kNode, 825);
  Issue(short_lived, "brief", Role::kNode, 5);
  const X509Ptr ca_cert = LoadCert(CaPaths::Cert(short_lived));
  const ASN1_TIME* ca_end = X509_get0_notAfter(ca_cert.get());
  const X509Ptr capped = LoadCert(CaPaths::MemberCert(short_lived, "long"));
  const X509Ptr brief = LoadCert(CaPaths::MemberCert(short_lived, "brief"));
  BOOST_TEST(ASN1_TIME_compare(X509_get0_notAfter(capped.get()), ca_end) == 0);
  BOOST_TEST(ASN1_TIME_compare(X509_get0_notAfter(brief.get()), ca_end) == -1);
  BOOST_TEST(Verify(capped.get(), short_lived, X509_PURPOSE_SSL_SERVER) == "");
}

BOOST_AUTO_TEST_CASE(identity_of_rejects_subjects_without_a_dds_role_or_name) {
  Issue(ca, "n1", Role::kNode);
  const auto forged = [&](std::vector<std::pair<std::string, std::string>> subject) {
    return Resigned(LoadCert(CaPaths::MemberCert(ca, "n1")), ca,
                    SubjectOf(std::move(subject)));
  };
  // The forging itself is sound: a proper subject passes.
  const X509Ptr proper = forged({{"CN", "n2"}, {"OU", "dds-master"}});
  BOOST_TEST(Verify(proper.get(), ca, X509_PURPOSE_SSL_CLIENT) == "");
  Result<CertIdentity> identity = IdentityOf(proper.get());
  BOOST_REQUIRE_MESSAGE(identity.ok(), identity.status().message());
  BOOST_TEST(identity->name == "n2");
  BOOST_TEST((identity->role == Role::kMaster));

  const std::vector<
      std::pair<std::vector<std::pair<std::string, std::string>>, std::string>>
      cases = {
          {{{"CN", "n2"}}, "no OU"},
          {{{"CN", "n2"}, {"OU", "dds-admin"}}, "OU is not"},
          {{{"CN", "n2"}, {"OU", "node"}}, "OU is not"},
          {{{"CN", "n2"}, {"OU", "dds-node"}, {"OU", "dds-master"}}, "more than one OU"},
          {{{"OU", "dds-node"}}, "no CN"},
          {{{"CN", "n2"}, {"CN", "n3"}, {"OU", "dds-node"}}, "more than one CN"},
          {{{"CN", "../n2"}, {"OU", "dds-node"}}, "CN may contain only"},
      };
  for (const auto& [subject, reason] : cases) {
    BOOST_TEST_CONTEXT(reason) {
      const X509Ptr cert = forged(subject);
      BOOST_TEST(Verify(cert.get(), ca, X509_PURPOSE_SSL_CLIENT) == "");
      Result<CertIdentity> rejected = IdentityOf(cert.get());
      BOOST_REQUIRE(!rejected.ok());
      BOOST_TEST(rejected.status().message().find(reason) != std::string::npos,
                 rejected.status().message());
      BOOST_TEST(rejected.status().message().find('\n') == std::string::npos);
    }
  }
  BOOST_TEST(!IdentityOf(nullptr).ok());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
