// Which master a node talks to, among the ones it knows (docs/ha.md, "Nodes
// follow the leader"), and whether a master is to be obeyed: a node obeys
// only the master it registered with, and never one of a term older than a
// term it has seen (fencing), so two leaders are never both obeyed.
//
// With one master known, there is nothing to choose: the link stays on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/messages.h"
#include "core/types.h"

namespace dds {

class MasterLink {
 public:
  // REQUIRES: `masters` is not empty.
  explicit MasterLink(std::vector<Address> masters);

  const Address& current() const { return masters_[current_]; }
  // The highest term a Welcome came with (0: none, or masters that stand alone).
  uint64_t term() const { return term_; }

  // The current master was lost, or did not answer: the next one known.
  void Next();
  // The current master is not the leader. Follows it to the leader it names,
  // if the node knows that address and the term is not older than one seen;
  // else moves on to the next master. True if the link moved (register
  // there now); false if the current one names itself (it is taking over).
  bool Redirect(const NotLeader& m);
  // A Welcome of `term`: false if it is older than one seen (not obeyed);
  // else it is the highest seen.
  bool Accept(uint64_t term);

 private:
  std::vector<Address> masters_;
  size_t current_ = 0;
  uint64_t term_ = 0;
};

}  // namespace dds
