// The `dds ca` commands; see ca_command.h.
#include "tools/dds/ca_command.h"

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "runtime/log.h"
#include "runtime/tls/certs.h"
#include "runtime/tls/credentials.h"
#include "tools/dds/serve_commands.h"

namespace dds::tool {
namespace {

namespace fs = std::filesystem;

struct InitFlags {
  std::string dir;
  int days = kDefaultCaDays;
};

struct IssueFlags {
  std::string name;
  std::string role;
  std::string ca_dir = ".";
  std::string out_dir;  // empty: the CA directory
  int days = kDefaultCertDays;
  bool force = false;
  std::vector<std::string> hosts;
};

std::string CheckRole(const std::string& name) {
  Result<Role> role = ParseRole(name);
  return role.ok() ? std::string() : role.status().message();
}

void AddDaysOption(CLI::App* cmd, int* days) {
  cmd->add_option("--days", *days, "validity in days")
      ->check(CLI::Range(1, kMaxDays))
      ->capture_default_str();
}

// Read back from the file, so the user sees what was really written.
std::string ExpiryOf(const fs::path& cert_path) {
  Result<X509Ptr> cert = ReadCertFile(cert_path);
  if (!cert.ok()) Fail("cannot read the new certificate", cert.status());
  Result<CertIdentity> identity = IdentityOf(cert->get());
  if (!identity.ok()) Fail("cannot read the new certificate", identity.status());
  return FormatExpiry(identity->not_after);
}

void RunInit(const InitFlags& flags) {
  SetLogLabel("dds ca");
  if (Status s = InitCa(flags.dir, flags.days); !s.ok()) Fail("cannot create the CA", s);
  std::cout << "wrote " << CaPaths::Cert(flags.dir).string() << " and "
            << CaPaths::Key(flags.dir).string() << " (keep the key secret), valid for "
            << flags.days << " days\n";
}

void RunIssue(const IssueFlags& flags) {
  SetLogLabel("dds ca");
  const fs::path out = flags.out_dir.empty() ? flags.ca_dir : flags.out_dir;
  const Role role = ParseRole(flags.role).value();  // checked while parsing
  if (Status s = IssueCert(flags.ca_dir, flags.name, role, flags.days, out, flags.force,
                           flags.hosts);
      !s.ok())
    Fail("cannot issue a certificate", s);
  const fs::path cert_path = CaPaths::MemberCert(out, flags.name);
  std::cout << "wrote " << cert_path.string() << " and "
            << CaPaths::MemberKey(out, flags.name).string() << " (" << flags.role
            << ", expires " << ExpiryOf(cert_path) << ")\n";
}

void AddInitCommand(CLI::App* ca) {
  auto flags = std::make_shared<InitFlags>();
  CLI::App* cmd = ca->add_subcommand(
      "init", "Create a cluster CA in DIR: ca.crt for every process, ca.key kept secret");
  cmd->add_option("DIR", flags->dir, "the CA directory (created 0700 if missing)")
      ->required();
  AddDaysOption(cmd, &flags->days);
  cmd->callback([flags] { RunInit(*flags); });
}

void AddIssueCommand(CLI::App* ca) {
  auto flags = std::make_shared<IssueFlags>();
  CLI::App* cmd = ca->add_subcommand(
      "issue", "Issue NAME.crt and NAME.key for the master or a node, signed by the CA");
  cmd->add_option("NAME", flags->name, "the member's name: the node's --name, or master")
      ->required()
      ->check(CLI::Validator(CheckMemberName, "NAME"));
  cmd->add_option("--role", flags->role, "node or master")
      ->required()
      ->check(CLI::Validator(CheckRole, "ROLE"));
  cmd->add_option("--ca", flags->ca_dir, "the CA directory")->capture_default_str();
  cmd->add_option("--out", flags->out_dir, "where to write (default: the CA directory)");
  AddDaysOption(cmd, &flags->days);
  cmd->add_option("--host", flags->hosts,
                  "an IP address or DNS name users reach this member's HTTPS at "
                  "(repeatable); the certificate then also serves --https-cert")
      ->check(CLI::Validator(
          [](const std::string& host) {
            Result<std::string> alt = AltNameOf(host);
            return alt.ok() ? std::string() : alt.status().message();
          },
          "HOST"));
  cmd->add_flag("--force", flags->force,
                "replace an existing NAME.crt and NAME.key (certificate rotation)");
  cmd->callback([flags] { RunIssue(*flags); });
}

}  // namespace

void AddCaCommand(CLI::App& app) {
  CLI::App* ca = app.add_subcommand(
      "ca", "The cluster's certificate authority: certificates for mutual TLS");
  ca->require_subcommand(1);
  AddInitCommand(ca);
  AddIssueCommand(ca);
}

}  // namespace dds::tool
