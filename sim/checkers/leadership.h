// Leadership, with several masters: no two leaders obeyed in one term, and
// no node obeying a master of a term older than one it obeyed before (the
// fencing of core/master_link.h). A node obeys a master message when it
// comes from the master it registers with (Node::master()), before and
// after handling it; its term is the one its sender led as when sending.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "sim/checkers/verdict.h"

namespace dds::sim {

class Leadership {
 public:
  explicit Leadership(Verdict* verdict) : verdict_(verdict) {}

  void OnObeyed(const std::string& node, const std::string& master, uint64_t term);

  // How many terms had a leader obeyed.
  size_t terms() const { return leader_of_.size(); }

 private:
  Verdict* const verdict_;
  std::map<uint64_t, std::string> leader_of_;  // by term: one per election
  std::map<std::string, uint64_t> highest_;    // by node: the highest term it obeyed
};

}  // namespace dds::sim
