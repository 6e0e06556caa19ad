// The cluster CA (see certs.h), on OpenSSL 3's EVP and X509 APIs.
//
// Files are written under a temporary name beside their final one, synced,
// then moved into place: a reader never sees a partial PEM file, and a failed
// run leaves nothing behind.
#include "runtime/tls/certs.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <initializer_list>
#include <utility>
#include <vector>

#include "runtime/unique_fd.h"

namespace dds {
namespace {

namespace fs = std::filesystem;

using BioPtr = OpenSslPtr<BIO, BIO_free_all>;
using BignumPtr = OpenSslPtr<BIGNUM, BN_free>;
using ExtensionPtr = OpenSslPtr<X509_EXTENSION, X509_EXTENSION_free>;

constexpr Role kRoles[] = {Role::kNode, Role::kMaster};
constexpr std::string_view kRoleUnitPrefix = "dds-";
constexpr size_t kMaxNameLength = 64;
constexpr int kSerialBits = 128;
constexpr int kCaTagBytes = 8;
constexpr int kTempTagBytes = 8;
// Member files are NAME.crt and NAME.key: a member called "ca" would be the
// CA's own files.
constexpr std::string_view kReservedName = "ca";
// Certificates start a little in the past, so that a peer whose clock is
// behind ours still accepts one issued just now.
constexpr long kClockSkewSeconds = 5 * 60;

// OpenSSL reports through a per-thread queue whose first entry is the cause.
// The queue is emptied so that a later failure does not report this one.
Status OpenSslError(const std::string& what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  char reason[256] = "no reason given";
  if (code != 0) ERR_error_string_n(code, reason, sizeof reason);
  return Status::IOError(what + ": " + reason);
}

Status ErrnoError(const std::string& what, int err) {
  std::string message = what + ": " + std::strerror(err);
  if (err == ENOENT) return Status::NotFound(std::move(message));
  return Status::IOError(std::move(message));
}

Result<std::string> RandomHex(int bytes) {
  std::vector<unsigned char> random(static_cast<size_t>(bytes));
  if (RAND_bytes(random.data(), bytes) != 1) return OpenSslError("random bytes");
  std::string hex;
  for (const unsigned char byte : random) {
    char digits[3];
    std::snprintf(digits, sizeof digits, "%02x", byte);
    hex += digits;
  }
  return hex;
}

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

std::string RoleUnit(Role role) {
  return std::string(kRoleUnitPrefix) + std::string(RoleName(role));
}

Result<Role> RoleOfUnit(std::string_view unit) {
  for (const Role role : kRoles) {
    if (RoleUnit(role) == unit) return role;
  }
  return Status::InvalidArgument("OU is not " + RoleUnit(Role::kNode) + " or " +
                                 RoleUnit(Role::kMaster));
}

// The value of the only `nid` entry of `subject`, as UTF-8.
Result<std::string> SoleEntry(const X509_NAME* subject, int nid) {
  const std::string field = OBJ_nid2sn(nid);
  const int index = X509_NAME_get_index_by_NID(subject, nid, -1);
  if (index < 0) return Status::InvalidArgument("no " + field);
  if (X509_NAME_get_index_by_NID(subject, nid, index) >= 0)
    return Status::InvalidArgument("more than one " + field);
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(
      &utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index)));
  if (length < 0) return OpenSslError("unreadable " + field);
  std::string value(reinterpret_cast<const char*>(utf8), static_cast<size_t>(length));
  OPENSSL_free(utf8);
  return value;
}

Result<CertIdentity> ReadIdentity(const X509_NAME* subject, const ASN1_TIME* not_after) {
  Result<std::string> name = SoleEntry(subject, NID_commonName);
  if (!name.ok()) return name.status();
  if (std::string why = CheckMemberName(*name); !why.empty())
    return Status::InvalidArgument("CN " + why);
  Result<std::string> unit = SoleEntry(subject, NID_organizationalUnitName);
  if (!unit.ok()) return unit.status();
  Result<Role> role = RoleOfUnit(*unit);
  if (!role.ok()) return role.status();
  std::tm expiry{};
  if (ASN1_TIME_to_tm(not_after, &expiry) != 1)
    return OpenSslError("unreadable notAfter");
  return CertIdentity{std::move(*name), *role,
                      std::chrono::system_clock::from_time_t(timegm(&expiry))};
}

Status CheckDays(int days) {
  if (days >= 1 && days <= kMaxDays) return Status::Ok();
  return Status::InvalidArgument("a validity of " + std::to_string(days) +
                                 " days: must be 1-" + std::to_string(kMaxDays));
}

Status RefuseExisting(std::initializer_list<fs::path> paths) {
  for (const fs::path& path : paths) {
    std::error_code ignored;
    if (fs::exists(fs::symlink_status(path, ignored)))
      return Status::IOError(path.string() + " already exists");
  }
  return Status::Ok();
}

// Owner-only, as it will hold private keys.
Status EnsureDir(const fs::path& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST) return Status::Ok();
  return ErrnoError("create directory " + dir.string(), errno);
}

// Never prompts on the terminal for an encrypted key's passphrase: fails.
int NoPassphrase(char*, int, int, void*) { return -1; }

template <typename Ptr, typename Read>
Result<Ptr> ReadPem(const fs::path& path, const std::string& what, Read read) {
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return OpenSslError("open " + path.string());
  Ptr object(read(bio.get()));
  if (!object) return OpenSslError("read " + what + " from " + path.string());
  return object;
}

template <typename Write>
Result<std::string> PemText(Write write) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) return OpenSslError("encode PEM");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

struct Ca {
  X509Ptr cert;
  EvpPkeyPtr key;
};

Result<Ca> LoadCa(const fs::path& dir) {
  const fs::path cert_path = CaPaths::Cert(dir);
  std::error_code ignored;
  if (!fs::exists(cert_path, ignored))
    return Status::NotFound("no CA in " + dir.string() + ": " + cert_path.string() +
                            " does not exist");
  Result<X509Ptr> cert = ReadCertFile(cert_path);
  if (!cert.ok()) return cert.status();
  Result<EvpPkeyPtr> key = ReadKeyFile(CaPaths::Key(dir));
  if (!key.ok()) return key.status();
  if (X509_check_private_key(cert->get(), key->get()) != 1)
    return OpenSslError(CaPaths::Key(dir).string() + " is not the key of " +
                        cert_path.string());
  if (X509_cmp_current_time(X509_get0_notAfter(cert->get())) <= 0)
    return Status::IOError("the CA certificate " + cert_path.string() + " has expired");
  return Ca{std::move(*cert), std::move(*key)};
}

Result<EvpPkeyPtr> NewKey() {
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return OpenSslError("generate a P-256 key");
  return key;
}

// (NID, value) pairs: subject entries, or extensions in x509v3_config syntax.
using Fields = std::vector<std::pair<int, std::string>>;

// What a new certificate says, before it is signed.
struct CertSpec {
  Fields subject;
  Fields extensions;
  int days;
};

// Version, a random serial, the key, and the validity from a little before now.
bool SetBasics(X509* cert, EVP_PKEY* key, int days) {
  BignumPtr serial(BN_new());
  return serial && X509_set_version(cert, X509_VERSION_3) == 1 &&
         BN_rand(serial.get(), kSerialBits, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
         BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)) != nullptr &&
         X509_set_pubkey(cert, key) == 1 &&
         X509_gmtime_adj(X509_getm_notBefore(cert), -kClockSkewSeconds) != nullptr &&
         X509_time_adj_ex(X509_getm_notAfter(cert), days, 0, nullptr) != nullptr;
}

bool SetNames(X509* cert, const Fields& subject, X509* signer) {
  X509_NAME* name = X509_get_subject_name(cert);
  for (const auto& [nid, value] : subject) {
    if (X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.data()),
                                   static_cast<int>(value.size()), -1, 0) != 1)
      return false;
  }
  return X509_set_issuer_name(cert, X509_get_subject_name(signer)) == 1;
}

// Past its issuer's expiry no verifier would accept a certificate anyway.
bool CapValidity(X509* cert, const X509* signer) {
  const ASN1_TIME* limit = X509_get0_notAfter(signer);
  const int order = ASN1_TIME_compare(X509_get0_notAfter(cert), limit);
  return order != -2 && (order <= 0 || X509_set1_notAfter(cert, limit) == 1);
}

bool AddExtensions(X509* cert, X509* signer, const Fields& extensions) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, signer, cert, nullptr, nullptr, 0);
  for (const auto& [nid, value] : extensions) {
    ExtensionPtr extension(X509V3_EXT_nconf_nid(nullptr, &context, nid, value.c_str()));
    if (!extension || X509_add_ext(cert, extension.get(), -1) != 1) return false;
  }
  return true;
}

// A certificate for `key`, signed by `ca`, or by `key` itself for the CA's own.
Result<X509Ptr> SignCert(const CertSpec& spec, EVP_PKEY* key, const Ca* ca) {
  X509Ptr cert(X509_new());
  X509* signer = ca != nullptr ? ca->cert.get() : cert.get();
  EVP_PKEY* signer_key = ca != nullptr ? ca->key.get() : key;
  if (!cert || !SetBasics(cert.get(), key, spec.days) ||
      !SetNames(cert.get(), spec.subject, signer) || !CapValidity(cert.get(), signer) ||
      !AddExtensions(cert.get(), signer, spec.extensions) ||
      X509_sign(cert.get(), signer_key, EVP_sha256()) == 0)
    return OpenSslError("make the certificate of " + spec.subject.front().second);
  return cert;
}

struct OutputFile {
  fs::path path;
  std::string content;
  mode_t mode;
};

// Creates `file` under a temporary name beside it, synced, with its mode from
// the start: a key is never readable by others, not even for a moment.
Result<fs::path> WriteTemporary(const OutputFile& file) {
  Result<std::string> tag = RandomHex(kTempTagBytes);
  if (!tag.ok()) return tag.status();
  fs::path temp = file.path;
  temp += ".tmp-" + *tag;
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, file.mode));
  if (!fd.valid()) return ErrnoError("create " + temp.string(), errno);
  // A few hundred bytes: one write() stores them all, or the disk is full.
  const ssize_t written = ::write(fd.get(), file.content.data(), file.content.size());
  Status status;
  if (written != static_cast<ssize_t>(file.content.size()))
    status = ErrnoError("write " + temp.string(), written < 0 ? errno : ENOSPC);
  else if (::fsync(fd.get()) != 0)
    status = ErrnoError("sync " + temp.string(), errno);
  if (status.ok()) return temp;
  ::unlink(temp.c_str());
  return status;
}

// link() refuses an existing `path` atomically, where a check before a
// rename() would race with another writer.
Status Publish(const fs::path& temp, const fs::path& path, bool overwrite) {
  const int done = overwrite ? ::rename(temp.c_str(), path.c_str())
                             : ::link(temp.c_str(), path.c_str());
  if (done == 0) return Status::Ok();
  return ErrnoError((overwrite ? "replace " : "create ") + path.string(), errno);
}

Status SyncDir(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0)
    return ErrnoError("sync directory " + dir.string(), errno);
  return Status::Ok();
}

// Every file is written before any is moved into place; without `overwrite`,
// a failure also takes back the files already placed.
Status WriteFiles(const fs::path& dir, const std::vector<OutputFile>& files,
                  bool overwrite) {
  std::vector<fs::path> temps;
  Status status;
  for (const OutputFile& file : files) {
    Result<fs::path> temp = WriteTemporary(file);
    if (!temp.ok()) {
      status = temp.status();
      break;
    }
    temps.push_back(std::move(*temp));
  }
  size_t placed = 0;
  while (status.ok() && placed < temps.size()) {
    status = Publish(temps[placed], files[placed].path, overwrite);
    if (status.ok()) ++placed;
  }
  if (!status.ok() && !overwrite) {
    for (size_t i = 0; i < placed; ++i) ::unlink(files[i].path.c_str());
  }
  for (const fs::path& temp : temps) ::unlink(temp.c_str());  // gone if renamed
  return status.ok() ? SyncDir(dir) : status;
}

// The key goes first: whoever sees the new certificate can load its key.
Status WritePair(const fs::path& dir, const fs::path& cert_path, X509* cert,
                 const fs::path& key_path, EVP_PKEY* key, bool overwrite) {
  Result<std::string> cert_pem =
      PemText([cert](BIO* bio) { return PEM_write_bio_X509(bio, cert); });
  if (!cert_pem.ok()) return cert_pem.status();
  Result<std::string> key_pem = PemText([key](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  });
  if (!key_pem.ok()) return key_pem.status();
  if (Status s = EnsureDir(dir); !s.ok()) return s;
  return WriteFiles(
      dir,
      {{key_path, std::move(*key_pem), 0600}, {cert_path, std::move(*cert_pem), 0644}},
      overwrite);
}

}  // namespace

std::string_view RoleName(Role role) { return role == Role::kMaster ? "master" : "node"; }

Result<Role> ParseRole(std::string_view name) {
  for (const Role role : kRoles) {
    if (RoleName(role) == name) return role;
  }
  return Status::InvalidArgument("unknown role '" + std::string(name) +
                                 "': the roles are node and master");
}

Result<CertIdentity> IdentityOf(X509* cert) {
  if (cert == nullptr) return Status::InvalidArgument("no certificate");
  const X509_NAME* subject = X509_get_subject_name(cert);
  Result<CertIdentity> identity = ReadIdentity(subject, X509_get0_notAfter(cert));
  if (identity.ok()) return identity;
  char line[256];
  X509_NAME_oneline(subject, line, sizeof line);
  return Status::InvalidArgument("certificate " + std::string(line) +
                                 " names no dds member: " + identity.status().message());
}

std::string CheckMemberName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return "must be 1-64 characters";
  if (!std::all_of(name.begin(), name.end(), IsNameChar))
    return "may contain only letters, digits, '-', '_' and '.'";
  return {};
}

fs::path CaPaths::Cert(const fs::path& dir) { return dir / "ca.crt"; }
fs::path CaPaths::Key(const fs::path& dir) { return dir / "ca.key"; }
fs::path CaPaths::MemberCert(const fs::path& dir, std::string_view name) {
  return dir / (std::string(name) + ".crt");
}
fs::path CaPaths::MemberKey(const fs::path& dir, std::string_view name) {
  return dir / (std::string(name) + ".key");
}

Status InitCa(const fs::path& dir, int days) {
  if (Status s = CheckDays(days); !s.ok()) return s;
  const fs::path cert_path = CaPaths::Cert(dir);
  const fs::path key_path = CaPaths::Key(dir);
  if (Status s = RefuseExisting({cert_path, key_path}); !s.ok()) return s;
  Result<std::string> tag = RandomHex(kCaTagBytes);
  if (!tag.ok()) return tag.status();
  Result<EvpPkeyPtr> key = NewKey();
  if (!key.ok()) return key.status();
  const CertSpec spec{
      .subject = {{NID_commonName, "dds cluster CA " + *tag}},
      .extensions = {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                     {NID_key_usage, "critical,keyCertSign,cRLSign"},
                     {NID_subject_key_identifier, "hash"}},
      .days = days};
  Result<X509Ptr> cert = SignCert(spec, key->get(), nullptr);
  if (!cert.ok()) return cert.status();
  return WritePair(dir, cert_path, cert->get(), key_path, key->get(), false);
}

Result<std::string> AltNameOf(std::string_view host) {
  const std::string text(host);
  unsigned char address[16];
  if (::inet_pton(AF_INET, text.c_str(), address) == 1 ||
      ::inet_pton(AF_INET6, text.c_str(), address) == 1) {
    return "IP:" + text;
  }
  // RFC 1123 host names: dot-separated labels of letters, digits and '-'.
  const auto bad = [&] {
    return Status::InvalidArgument("host '" + text +
                                   "' is neither an IP address nor a DNS name");
  };
  if (text.empty() || text.size() > 253) return bad();
  size_t start = 0;
  for (;;) {
    const size_t dot = std::min(text.find('.', start), text.size());
    const std::string_view label = std::string_view(text).substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' ||
        label.back() == '-' || !std::all_of(label.begin(), label.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
        })) {
      return bad();
    }
    if (dot == text.size()) break;
    start = dot + 1;
  }
  return "DNS:" + text;
}

Status IssueCert(const fs::path& ca_dir, std::string_view name, Role role, int days,
                 const fs::path& out_dir, bool overwrite,
                 const std::vector<std::string>& hosts) {
  if (std::string why = CheckMemberName(name); !why.empty())
    return Status::InvalidArgument("member name '" + std::string(name) + "' " + why);
  std::string alt_names = "DNS:" + std::string(name);
  for (const std::string& host : hosts) {
    Result<std::string> alt = AltNameOf(host);
    if (!alt.ok()) return alt.status();
    alt_names += "," + *alt;
  }
  if (name == kReservedName)
    return Status::InvalidArgument("member name 'ca' is taken by the CA's own files");
  if (Status s = CheckDays(days); !s.ok()) return s;
  const fs::path cert_path = CaPaths::MemberCert(out_dir, name);
  const fs::path key_path = CaPaths::MemberKey(out_dir, name);
  if (!overwrite) {
    if (Status s = RefuseExisting({key_path, cert_path}); !s.ok()) return s;
  }
  Result<Ca> ca = LoadCa(ca_dir);
  if (!ca.ok()) return ca.status();
  Result<EvpPkeyPtr> key = NewKey();
  if (!key.ok()) return key.status();
  const CertSpec spec{.subject = {{NID_commonName, std::string(name)},
                                  {NID_organizationalUnitName, RoleUnit(role)}},
                      .extensions = {{NID_basic_constraints, "CA:FALSE"},
                                     {NID_key_usage, "critical,digitalSignature"},
                                     {NID_ext_key_usage, "serverAuth,clientAuth"},
                                     {NID_authority_key_identifier, "keyid:always"},
                                     {NID_subject_alt_name, alt_names}},
                      .days = days};
  Result<X509Ptr> cert = SignCert(spec, key->get(), &*ca);
  if (!cert.ok()) return cert.status();
  return WritePair(out_dir, cert_path, cert->get(), key_path, key->get(), overwrite);
}

Result<X509Ptr> ReadCertFile(const fs::path& path) {
  return ReadPem<X509Ptr>(path, "a certificate", [](BIO* bio) {
    return PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  });
}

Result<EvpPkeyPtr> ReadKeyFile(const fs::path& path) {
  return ReadPem<EvpPkeyPtr>(path, "a private key", [](BIO* bio) {
    return PEM_read_bio_PrivateKey(bio, nullptr, NoPassphrase, nullptr);
  });
}

}  // namespace dds
