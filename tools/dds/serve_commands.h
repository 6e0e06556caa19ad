// `dds master` and `dds node`: run one process of a cluster until SIGINT or
// SIGTERM, logging every address it bound.
#pragma once

#include <CLI/CLI.hpp>
#include <string_view>

#include "core/status.h"

namespace dds::tool {

void AddMasterCommand(CLI::App& app);
void AddNodeCommand(CLI::App& app);

// Prints "<log label>: <what>: <status>" and throws CLI::RuntimeError with 2
// for invalid input, 1 otherwise.
[[noreturn]] void Fail(std::string_view what, const Status& status);

}  // namespace dds::tool
