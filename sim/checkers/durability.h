// Durability: nothing recorded is lost while a copy survives, and nothing
// deleted comes back.
//  (a) once the master records a tombstone for P at version T, every later
//      entry for P has a version above T, and a live one carries content the
//      scenario wrote to P after the tombstone (a version number never means
//      two different contents);
//  (b) at the end, every live catalog entry's content is on some disk,
//      unless the scenario destroyed every copy; and a running master's
//      catalog still holds every entry it ever recorded as latest;
//  (c) no replaced version comes back: a live entry for P with content that
//      an earlier version of P had, and that other content replaced since,
//      carries content the scenario wrote to P after that earlier version
//      was recorded; and a new entry at P with content the scenario never
//      wrote to P (a conflict copy) does not carry content that another
//      path had and lost to a newer version before, unless the scenario
//      wrote it there again. Either would be a node's late copy of a
//      version it installed, taken for an edit of its own;
//  (d) a delete on a source node never comes back: at the end, a path the
//      scenario deleted on a running source that had picked the file up
//      (recorded or reported it) does not hold the content it deleted,
//      unless the scenario wrote that content there again since (a newer
//      version from elsewhere may win over the delete; that is an edit).
//      A delete on a mirror is damage: the liveness checker requires it
//      back on every disk.
#pragma once

#include <string>
#include <vector>

#include "sim/checkers/ledger.h"
#include "sim/checkers/verdict.h"
#include "sim/world.h"

namespace dds::sim {

class Durability {
 public:
  Durability(const Ledger* ledger, Verdict* verdict)
      : ledger_(ledger), verdict_(verdict) {}

  // REQUIRES: called before the ledger records `entry`, recorded `now`.
  void BeforeRecord(const CatalogEntry& entry, Instant now);
  void Finish(const World& world);
  // `node`, a source, deleted `path` holding `digest` at `now`.
  void NoteSourceDelete(const std::string& node, const std::string& path,
                        const Digest& digest, Instant now);

  // Live entries whose every copy the scenario destroyed (not a violation).
  size_t lost_to_faults() const { return lost_to_faults_; }

 private:
  void CheckCopies();
  void CheckMasterCatalog(const Master& master);
  void CheckSourceDeletes(const World& world);

  struct SourceDelete {
    std::string node;
    std::string path;
    Digest digest;
    Instant at{};
  };

  const Ledger* const ledger_;
  Verdict* const verdict_;
  size_t lost_to_faults_ = 0;
  std::vector<SourceDelete> source_deletes_;
};

}  // namespace dds::sim
