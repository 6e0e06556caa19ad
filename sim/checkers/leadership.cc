// Leadership checks; see leadership.h.
#include "sim/checkers/leadership.h"

namespace dds::sim {

void Leadership::OnObeyed(const std::string& node, const std::string& master,
                          uint64_t term) {
  auto [leader, first] = leader_of_.try_emplace(term, master);
  if (!first && leader->second != master) {
    verdict_->Fail("Leadership", "two leaders obeyed in term " + std::to_string(term) +
                                     ": " + leader->second + " and " + master + " (by " +
                                     node + ")");
    return;
  }
  uint64_t& highest = highest_[node];
  if (term < highest) {
    verdict_->Fail("Leadership", node + " obeyed " + master + " of term " +
                                     std::to_string(term) + " after a leader of term " +
                                     std::to_string(highest));
    return;
  }
  highest = term;
}

}  // namespace dds::sim
