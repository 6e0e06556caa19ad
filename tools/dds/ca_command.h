// `dds ca init DIR` and `dds ca issue NAME --role node|master`: the cluster's
// certificate authority (runtime/tls/certs.h) on the command line, to make
// the certificates that mutual TLS between masters and nodes presents.
#pragma once

#include <CLI/CLI.hpp>

namespace dds::tool {

void AddCaCommand(CLI::App& app);

}  // namespace dds::tool
