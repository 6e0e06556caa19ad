// Writes a scenario back as TOML that ParseScenarioText reads to the same
// Scenario: every setting explicit (durations in microseconds, sizes in
// bytes), its actions as plain [[action]] tables. Random generators and
// [faults] rates are not written: a written scenario is a script. Used for
// the reproducers of swarm runs (sim/swarm.h).
#pragma once

#include <string>

#include "sim/scenario.h"

namespace dds::sim {

// `header` becomes comment lines at the top (one per line of it).
std::string ScenarioToml(const Scenario& scenario, const std::string& header);

}  // namespace dds::sim
