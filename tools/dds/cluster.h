// `dds cluster`: a master and N nodes on loopback, as child processes of this
// binary, for trying dds out. Prints the master's and every mirror's URL once
// all are up; Ctrl-C (or SIGTERM) stops them all, by PID.
#pragma once

#include <CLI/CLI.hpp>

namespace dds::tool {

void AddClusterCommand(CLI::App& app);

}  // namespace dds::tool
