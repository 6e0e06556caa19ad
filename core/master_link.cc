// The node's choice of master; see master_link.h.
#include "core/master_link.h"

#include <algorithm>
#include <utility>

#include "core/check.h"

namespace dds {

MasterLink::MasterLink(std::vector<Address> masters) : masters_(std::move(masters)) {
  DDS_CHECK(!masters_.empty());
}

void MasterLink::Next() { current_ = (current_ + 1) % masters_.size(); }

bool MasterLink::Redirect(const NotLeader& m) {
  const auto leader = std::find(masters_.begin(), masters_.end(), m.leader);
  if (m.leader.empty() || leader == masters_.end() || m.term < term_) {
    const size_t before = current_;
    Next();
    return current_ != before;
  }
  const auto index = static_cast<size_t>(leader - masters_.begin());
  if (index == current_) return false;
  current_ = index;
  return true;
}

bool MasterLink::Accept(uint64_t term) {
  if (term < term_) return false;
  term_ = term;
  return true;
}

}  // namespace dds
