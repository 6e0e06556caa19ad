// The `dds digest` command; see digest_command.h.
#include "tools/dds/digest_command.h"

#include <fcntl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runtime/sha256.h"
#include "runtime/unique_fd.h"
#include "tools/dds/serve_commands.h"

namespace dds::tool {
namespace {

void PrintDigests(const std::vector<std::string>& files) {
  for (const std::string& file : files) {
    UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) Fail(file, Status::IOError(std::strerror(errno)));
    Result<FileDigest> digest = HashFile(fd.get());
    if (!digest.ok()) Fail(file, digest.status());
    std::printf("%s  %s\n", digest->whole.Hex().c_str(), file.c_str());
  }
}

}  // namespace

void AddDigestCommand(CLI::App& app) {
  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand(
      "digest",
      "Print each FILE's dds digest, the ETag nodes serve it with (its SHA-256 up "
      "to 1 MiB; beyond, the SHA-256 of its 1 MiB chunks' SHA-256s)");
  cmd->add_option("file", *files, "Local files")->required();
  cmd->callback([files] { PrintDigests(*files); });
}

}  // namespace dds::tool
