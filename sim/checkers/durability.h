// Durability: nothing recorded is lost while a copy survives, and nothing
// deleted comes back.
//  (a) once the master records a tombstone for P at version T, every later
//      entry for P has a version above T, and a live one carries content the
//      scenario wrote to P after the tombstone (a version number never means
//      two different contents);
//  (c) no edit is undone behind the scenario's back: a live entry for P with
//      content that an earlier version of P had, and that other content
//      replaced since, carries content the scenario wrote to P after that
//      earlier version was recorded (a node's late copy of an old version,
//      taken for an edit, would bring it back over the newer one);
//  (b) at the end, every live catalog entry's content is on some disk,
//      unless the scenario destroyed every copy; and a running master's
//      catalog still holds every entry it ever recorded as latest.
#pragma once

#include <string>

#include "sim/checkers/ledger.h"
#include "sim/checkers/verdict.h"
#include "sim/world.h"

namespace dds::sim {

class Durability {
 public:
  Durability(const Ledger* ledger, Verdict* verdict)
      : ledger_(ledger), verdict_(verdict) {}

  // REQUIRES: called before the ledger records `entry`.
  void BeforeRecord(const CatalogEntry& entry);
  void Finish(const World& world);

  // Live entries whose every copy the scenario destroyed (not a violation).
  size_t lost_to_faults() const { return lost_to_faults_; }

 private:
  void CheckCopies();
  void CheckMasterCatalog(const Master& master);

  const Ledger* const ledger_;
  Verdict* const verdict_;
  size_t lost_to_faults_ = 0;
};

}  // namespace dds::sim
