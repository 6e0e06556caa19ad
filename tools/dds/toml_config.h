// Reads `dds --config FILE` with toml++ and hands the settings to CLI11.
//
// Top-level keys set options of the command being run (keys are option
// names, '_' and '-' alike: data_dir = "/srv/dds"); a table named after a
// subcommand ([node], [master], [cluster]) sets that subcommand's options, so
// one file can describe a whole machine. Flags on the command line win.
// Unknown keys are errors, like unknown flags.
#pragma once

#include <CLI/CLI.hpp>
#include <istream>
#include <string>
#include <vector>

namespace dds::tool {

class TomlConfig final : public CLI::Config {
 public:
  std::string to_config(const CLI::App* app, bool default_also, bool write_description,
                        std::string prefix) const override;
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;
};

}  // namespace dds::tool
