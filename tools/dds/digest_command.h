// `dds digest FILE...`: each file's dds digest (core/entry.h, FileDigest),
// the ETag a node serves it with, printed as sha256sum prints: for a file of
// at most one chunk (1 MiB) it is its SHA-256, for a longer one the SHA-256
// of its chunks' SHA-256s.
#pragma once

#include <CLI/CLI.hpp>

namespace dds::tool {

void AddDigestCommand(CLI::App& app);

}  // namespace dds::tool
