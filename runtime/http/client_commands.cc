// The client verbs (see client_commands.h).
#include "runtime/http/client_commands.h"

#include <CLI/CLI.hpp>
#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "core/ignore_filter.h"
#include "core/path.h"
#include "runtime/http/client.h"
#include "runtime/http/master_handler.h"
#include "runtime/http/master_http.h"
#include "runtime/http/target.h"

namespace dds::http {
namespace {

namespace pt = boost::property_tree;

constexpr int kExitFailed = 1;
constexpr int kExitBadInput = 2;
constexpr std::chrono::milliseconds kRequestTimeout = std::chrono::seconds(30);
constexpr std::chrono::milliseconds kUploadTimeout = std::chrono::seconds(300);
constexpr std::chrono::milliseconds kWaitPollInterval = std::chrono::milliseconds(100);

struct ClientOptions {
  std::string master_url = "http://" + std::string(kDefaultMasterHttp);
  std::string tls_ca;  // extra CA bundle for an https master
  std::string token;
  std::string file;
  std::string path;
  double timeout_seconds = 60;
  size_t nodes = 0;
};

[[noreturn]] void Fail(int exit_code, const std::string& line) {
  std::cerr << "dds: " << line << "\n";
  throw CLI::RuntimeError(exit_code);
}

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

// Where the master is, and how to verify it if it speaks HTTPS.
struct MasterEndpoint {
  BaseUrl url;
  SslContextPtr tls;  // none for http
};

MasterEndpoint EndpointOf(const ClientOptions& options) {
  Result<BaseUrl> url = ParseBaseUrl(options.master_url);
  if (!url.ok()) Fail(kExitBadInput, url.status().message());
  if (!url->https) return {std::move(*url), nullptr};
  std::vector<std::filesystem::path> extra;
  if (!options.tls_ca.empty()) extra.push_back(options.tls_ca);
  Result<SslContextPtr> tls = MakeHttpsClient(extra);
  if (!tls.ok()) Fail(kExitBadInput, tls.status().message());
  return {std::move(*url), std::move(*tls)};
}

// A request to the master. A standby master sends users to the leader with
// a 307 (docs/ha.md): followed once, with the same request.
Result<StringResponse> ExchangeWithMaster(const MasterEndpoint& master, Request request,
                                          std::chrono::milliseconds timeout) {
  Result<StringResponse> answer =
      ExchangeBlocking(master.url, request, timeout, master.tls);
  if (!answer.ok() || answer->result() != bhttp::status::temporary_redirect ||
      answer->count(bhttp::field::location) == 0) {
    return answer;
  }
  const std::string location(answer->at(bhttp::field::location));
  const size_t scheme = location.find("://");
  const size_t path =
      scheme == std::string::npos ? scheme : location.find('/', scheme + 3);
  if (path == std::string::npos) return answer;
  Result<BaseUrl> leader = ParseBaseUrl(location.substr(0, path));
  if (!leader.ok() || leader->https != master.url.https) return answer;
  request.target(location.substr(path));
  return ExchangeBlocking(*leader, std::move(request), timeout, master.tls);
}

// One request to the master; fails the verb if the master is unreachable or
// answers with a status not in `expected`.
StringResponse Call(const ClientOptions& options, bhttp::verb verb,
                    const std::string& target,
                    std::initializer_list<bhttp::status> expected,
                    std::string body = {}) {
  const MasterEndpoint master = EndpointOf(options);
  Request request{verb, target, 11};
  if (!options.token.empty())
    request.set(bhttp::field::authorization, "Bearer " + options.token);
  const bool upload = verb == bhttp::verb::put;
  request.body() = std::move(body);
  Result<StringResponse> answer = ExchangeWithMaster(
      master, std::move(request), upload ? kUploadTimeout : kRequestTimeout);
  if (!answer.ok()) Fail(kExitFailed, "master unreachable: " + answer.status().message());
  for (bhttp::status status : expected) {
    if (answer->result() == status) return std::move(answer.value());
  }
  Fail(kExitFailed, std::to_string(answer->result_int()) + " " +
                        std::string(answer->reason()) + ": " + FirstLine(answer->body()));
}

pt::ptree ParseJson(const std::string& body) {
  std::istringstream in(body);
  pt::ptree tree;
  try {
    pt::read_json(in, tree);
  } catch (const pt::json_parser_error& e) {
    Fail(kExitFailed, std::string("master sent malformed JSON: ") + e.what());
  }
  return tree;
}

std::string ValidTargetFor(const std::string& path) {
  Status valid = ValidatePath(path);
  if (!valid.ok()) Fail(kExitBadInput, valid.message());
  return std::string(kDataPrefix) + PercentEncodePath(path);
}

// A certificate's expiry as status shows it: the day, "-" when unknown
// (plaintext, or not seen), and a warning when it is time to rotate.
std::string CertCell(const pt::ptree& object, const std::string& prefix) {
  const std::string expires = object.get<std::string>(prefix + "cert_expires", "");
  return expires.empty() ? "-" : expires.substr(0, expires.find(' '));
}
const char* CertWarning(const pt::ptree& object, const std::string& prefix) {
  return object.get<bool>(prefix + "cert_expires_soon", false)
             ? "  (certificate expires soon: rotate it, docs/security.md)"
             : "";
}

void PrintStatus(const pt::ptree& status) {
  std::printf("%-16s %-5s %8s %8s %14s  %-10s  %s\n", "NODE", "STATE", "FILES", "BEHIND",
              "BYTES BEHIND", "CERT UNTIL", "HTTP");
  for (const auto& [unused, node] : status.get_child("nodes")) {
    const uint64_t refused = node.get<uint64_t>("refused_names", 0);
    const std::string refused_note =
        refused == 0 ? ""
                     : "  (" + std::to_string(refused) +
                           " files with names dds refuses: see the node's log)";
    std::printf("%-16s %-5s %8s %8s %14s  %-10s  %s%s%s%s\n",
                node.get<std::string>("name").c_str(),
                node.get<bool>("up") ? "up" : "down",
                node.get<std::string>("files_current").c_str(),
                node.get<std::string>("files_behind").c_str(),
                node.get<std::string>("bytes_behind").c_str(), CertCell(node, "").c_str(),
                node.get<std::string>("http_url", "").c_str(),
                node.get<bool>("watch_incomplete", false)
                    ? "  (out of inotify watches: changes found by scan only)"
                    : "",
                refused_note.c_str(), CertWarning(node, ""));
  }
  std::printf(
      "catalog: %s files, %s bytes; converged: %s; master certificate until %s%s\n",
      status.get<std::string>("files").c_str(), status.get<std::string>("bytes").c_str(),
      status.get<bool>("converged") ? "yes" : "no", CertCell(status, "master_").c_str(),
      CertWarning(status, "master_"));
}

void RunStatus(const ClientOptions& options) {
  PrintStatus(ParseJson(
      Call(options, bhttp::verb::get, "/api/status", {bhttp::status::ok}).body()));
}

void RunLs(const ClientOptions& options) {
  // The master answers in pages; `next` names where the following one starts.
  std::string after;
  do {
    std::string target = "/api/files?limit=" + std::to_string(kMaxFilesPage) +
                         "&prefix=" + PercentEncodePath(options.path);
    if (!after.empty()) target += "&after=" + PercentEncodePath(after);
    const pt::ptree page =
        ParseJson(Call(options, bhttp::verb::get, target, {bhttp::status::ok}).body());
    for (const auto& [unused, entry] : page.get_child("files")) {
      if (entry.get<bool>("tombstone")) continue;
      std::printf("%12s  v%-5s %.12s  %s\n", entry.get<std::string>("size").c_str(),
                  entry.get<std::string>("version").c_str(),
                  entry.get<std::string>("hash").c_str(),
                  entry.get<std::string>("path").c_str());
    }
    after = page.get<std::string>("next");
  } while (!after.empty());
}

std::string ReadUpload(const std::string& file) {
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(file, ec);
  if (ec) Fail(kExitBadInput, "cannot read " + file + ": " + ec.message());
  if (size > kMaxUploadBytes) {
    Fail(kExitBadInput, file + " is larger than the upload limit of " +
                            std::to_string(kMaxUploadBytes >> 20) +
                            " MiB; copy it into a node's data directory instead");
  }
  std::ifstream in(file, std::ios::binary);
  std::string content(size, '\0');
  if (!in.read(content.data(), static_cast<std::streamsize>(size))) {
    Fail(kExitBadInput, "cannot read " + file);
  }
  return content;
}

void RunPut(const ClientOptions& options) {
  const std::string path = options.path.empty()
                               ? std::filesystem::path(options.file).filename().string()
                               : options.path;
  const std::string target = ValidTargetFor(path);
  std::string content = ReadUpload(options.file);
  const size_t size = content.size();
  const StringResponse answer = Call(options, bhttp::verb::put, target,
                                     {bhttp::status::created}, std::move(content));
  std::printf("put %s: %zu bytes, etag %s\n", path.c_str(), size,
              std::string(answer[bhttp::field::etag]).c_str());
}

void RunRm(const ClientOptions& options) {
  const pt::ptree entry =
      ParseJson(Call(options, bhttp::verb::delete_, ValidTargetFor(options.path),
                     {bhttp::status::ok})
                    .body());
  std::printf("removed %s (tombstone version %s)\n", options.path.c_str(),
              entry.get<std::string>("version").c_str());
}

void PrintIgnore(const pt::ptree& rules) {
  for (const auto& [unused, pattern] : rules.get_child("patterns")) {
    std::printf("%s\n", pattern.get_value<std::string>().c_str());
  }
}

void RunIgnoreLs(const ClientOptions& options) {
  PrintIgnore(ParseJson(
      Call(options, bhttp::verb::get, "/api/ignore", {bhttp::status::ok}).body()));
}

void ChangeIgnore(const ClientOptions& options, const char* how) {
  if (Status s = IgnoreFilter::CheckPattern(options.path); !s.ok())
    Fail(kExitBadInput, s.message());
  const std::string target =
      "/api/ignore?" + std::string(how) + "=" + PercentEncodePath(options.path);
  ParseJson(Call(options, bhttp::verb::post, target, {bhttp::status::ok}).body());
}

void RunIgnoreAdd(const ClientOptions& options) {
  ChangeIgnore(options, "add");
  std::printf("ignoring %s on every node\n", options.path.c_str());
}

void RunIgnoreRm(const ClientOptions& options) {
  ChangeIgnore(options, "remove");
  std::printf("no longer ignoring %s\n", options.path.c_str());
}

void RunMv(const ClientOptions& options) {
  ValidTargetFor(options.path);
  ValidTargetFor(options.file);
  const pt::ptree entry =
      ParseJson(Call(options, bhttp::verb::post,
                     "/api/mv?from=" + PercentEncodePath(options.path) +
                         "&to=" + PercentEncodePath(options.file),
                     {bhttp::status::ok})
                    .body());
  std::printf("moved %s to %s (version %s)\n", options.path.c_str(), options.file.c_str(),
              entry.get<std::string>("version").c_str());
}

// Polls /api/status until converged with at least `options.nodes` nodes up.
// An unreachable master counts as "not yet" until the deadline.
void RunWait(const ClientOptions& options) {
  const MasterEndpoint master = EndpointOf(options);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration<double>(options.timeout_seconds);
  std::string last = "master unreachable";
  while (std::chrono::steady_clock::now() < deadline) {
    Result<StringResponse> answer = ExchangeWithMaster(
        master, Request{bhttp::verb::get, "/api/status", 11}, kRequestTimeout);
    if (answer.ok() && answer->result() == bhttp::status::ok) {
      const pt::ptree status = ParseJson(answer->body());
      size_t up = 0, behind = 0;
      for (const auto& [unused, node] : status.get_child("nodes")) {
        up += node.get<bool>("up") ? 1 : 0;
        behind += node.get<bool>("up") ? node.get<size_t>("files_behind") : 0;
      }
      if (status.get<bool>("converged") && up >= options.nodes) {
        std::printf("converged: %zu nodes up, %s files\n", up,
                    status.get<std::string>("files").c_str());
        return;
      }
      last =
          std::to_string(up) + " nodes up, " + std::to_string(behind) + " files behind";
    } else {
      last = answer.ok() ? "status answered " + std::to_string(answer->result_int())
                         : answer.status().message();
    }
    std::this_thread::sleep_for(kWaitPollInterval);
  }
  Fail(kExitFailed, "not converged after " + std::to_string(options.timeout_seconds) +
                        " s (" + last + ")");
}

}  // namespace

void AddClientCommands(CLI::App& app) {
  auto options = std::make_shared<ClientOptions>();
  auto add_to = [&](CLI::App& parent, const char* name, const char* help,
                    void (*run)(const ClientOptions&)) {
    CLI::App* verb = parent.add_subcommand(name, help);
    verb->add_option("--master", options->master_url, "Master HTTP base URL")
        ->envname("DDS_MASTER_URL")
        ->capture_default_str();
    verb->add_option("--tls-ca", options->tls_ca,
                     "for an https master: a CA bundle (PEM) to trust besides the "
                     "system's, the cluster CA for instance")
        ->envname("DDS_TLS_CA")
        ->check(CLI::ExistingFile);
    verb->callback([options, run] { run(*options); });
    return verb;
  };
  auto add = [&](const char* name, const char* help, void (*run)(const ClientOptions&)) {
    return add_to(app, name, help, run);
  };
  add("status", "Show nodes, their state and how far behind they are", RunStatus);
  add("ls", "List live files in the catalog", RunLs)
      ->add_option("prefix", options->path, "Only paths starting with this");
  CLI::App* put = add("put", "Upload FILE as PATH (default: its file name)", RunPut);
  put->add_option("file", options->file, "Local file")->required();
  put->add_option("path", options->path, "Path in the store");
  CLI::App* rm = add("rm", "Delete PATH everywhere (a tombstone)", RunRm);
  rm->add_option("path", options->path, "Path in the store")->required();
  CLI::App* mv =
      add("mv", "Move SRC to DST everywhere: nodes rename, nothing is copied", RunMv);
  mv->add_option("src", options->path, "Path in the store")->required();
  mv->add_option("dst", options->file, "New path (must not exist)")->required();
  CLI::App* ignore = app.add_subcommand(
      "ignore",
      "The cluster's ignore patterns: paths no node reports, serves or restores");
  ignore->require_subcommand(1);
  add_to(*ignore, "ls", "List the ignore patterns", RunIgnoreLs);
  CLI::App* ignore_add = add_to(*ignore, "add",
                                "Ignore paths matching PATTERN on every node "
                                "(gitignore-like syntax, docs/data-dir.md)",
                                RunIgnoreAdd);
  CLI::App* ignore_rm =
      add_to(*ignore, "rm", "Remove PATTERN from the list", RunIgnoreRm);
  for (CLI::App* verb : {ignore_add, ignore_rm}) {
    verb->add_option("pattern", options->path, "The pattern, quoted for the shell")
        ->required();
  }
  for (CLI::App* admin : {put, rm, mv, ignore_add, ignore_rm}) {
    admin->add_option("--token", options->token, "Admin token")
        ->envname("DDS_ADMIN_TOKEN");
  }
  CLI::App* wait =
      add("wait", "Wait until every live node holds the whole catalog", RunWait);
  wait->add_option("--timeout", options->timeout_seconds, "Seconds before giving up")
      ->capture_default_str();
  wait->add_option("--nodes", options->nodes, "Also wait for at least this many nodes up")
      ->capture_default_str();
}

}  // namespace dds::http
