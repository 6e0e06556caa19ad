// The `dds` command: master, node and cluster (serve_commands.cc,
// cluster.cc), the CA and file digests, plus the client verbs when built
// with the HTTP library.
//
// Exit codes: 0 ok, 1 runtime failure, 2 bad usage. Every error is one line
// on stderr; a command that fails throws CLI::RuntimeError(code) after
// printing it.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "runtime/memory.h"
#include "tools/dds/ca_command.h"
#include "tools/dds/cluster.h"
#include "tools/dds/digest_command.h"
#include "tools/dds/serve_commands.h"
#include "tools/dds/toml_config.h"

#ifdef DDS_HAVE_HTTP
#include "runtime/http/client_commands.h"
#endif

namespace {

int Run(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
    return 0;
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // the command already said what went wrong
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::cerr << "dds: " << e.what() << " (see dds --help)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "dds: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  dds::TuneAllocator();
  CLI::App app(
      "dds: a replicated file store. Every node keeps a full copy of every "
      "file; the master keeps the catalog and points users at mirrors.",
      "dds");
  app.require_subcommand(1);
  app.fallthrough();  // so `dds node --config FILE` works as well as `dds --config FILE
                      // node`
  app.config_formatter(std::make_shared<dds::tool::TomlConfig>());
  app.set_config("--config", "", "TOML settings file; command-line flags override it");
  // A misspelt key must not be silently ignored. Set before the subcommands
  // are added: they copy the setting when created.
  app.allow_config_extras(CLI::config_extras_mode::error);
  dds::tool::AddMasterCommand(app);
  dds::tool::AddNodeCommand(app);
  dds::tool::AddClusterCommand(app);
  dds::tool::AddCaCommand(app);
  dds::tool::AddDigestCommand(app);
#ifdef DDS_HAVE_HTTP
  dds::http::AddClientCommands(app);
#endif
  return Run(app, argc, argv);
}
