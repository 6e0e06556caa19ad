// For the tests of both coordination services (tests/sim/coordination_test.cc,
// tests/runtime/etcd/etcd_coordination_test.cc): one master's view of its
// campaign.
#pragma once

#include <cstdint>
#include <string>

#include "core/coordination.h"

namespace dds::testing {

struct Seat {
  uint64_t term = 0;  // once elected
  bool deposed = false;
  void CampaignOn(Coordination& c, const std::string& name) {
    c.Campaign(
        {name, name + ":1", "http://" + name}, [this](uint64_t t) { term = t; },
        [this] { deposed = true; });
  }
};

}  // namespace dds::testing
