// The `dds` client verbs, which talk to the master's HTTP API:
//
//   dds status             table of nodes: up/down, files held, bytes behind
//   dds ls [PREFIX]        live files in the catalog
//   dds put FILE [PATH]    upload (admin token), forwarded to a live node
//   dds rm PATH            explicit delete (admin token): a tombstone
//   dds mv SRC DST         move (admin token): nodes rename their copies
//   dds ignore ls|add P|rm P
//                          the cluster's ignore patterns (add and rm: admin
//                          token)
//   dds wait [--timeout S] [--nodes N]
//                          until the cluster has converged (and N nodes are up)
//
// Every verb takes --master URL (default http://127.0.0.1:5559, or env
// DDS_MASTER_URL; https:// verifies the master's certificate against the
// system's CAs and --tls-ca, env DDS_TLS_CA); put, rm, mv and ignore add|rm take --token
// (or env DDS_ADMIN_TOKEN). Exit codes: 0 success; 1 the operation failed (unreachable
// master, error answer, timeout); 2 bad input (bad URL, unreadable file, bad path). On
// failure a verb prints one line to stderr and throws CLI::RuntimeError with
// the exit code, which CLI11's App::exit (CLI11_PARSE) returns silently.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace dds::http {

void AddClientCommands(CLI::App& app);

}  // namespace dds::http
