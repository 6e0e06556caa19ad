// The durability checker; see durability.h.
#include "sim/checkers/durability.h"

#include <cstdint>
#include <optional>
#include <string>

#include "core/conflict.h"

namespace dds::sim {
namespace {

std::string Name(const CatalogEntry& entry) {
  return entry.path + " v" + std::to_string(entry.version) +
         (entry.tombstone ? " (tombstone)" : " " + entry.hash.ShortHex());
}

bool IsUp(const World& world, const std::string& name) {
  for (const auto& host : world.hosts()) {
    if (host->name == name) return host->up();
  }
  return false;
}

// The path whose losing version `entry` keeps, if it is a conflict copy
// (core/conflict.h).
std::optional<std::string> ConflictSource(const CatalogEntry& entry) {
  const std::string marker = ".conflict-" + entry.origin + "-" + entry.hash.ShortHex();
  const size_t at = entry.path.rfind(marker);
  if (at == std::string::npos) return std::nullopt;
  CatalogEntry source = entry;
  source.path = entry.path.substr(0, at) + entry.path.substr(at + marker.size());
  if (ConflictPath(source) != entry.path) return std::nullopt;
  return source.path;
}

}  // namespace

void Durability::BeforeRecord(const CatalogEntry& entry, Instant now) {
  if (const CatalogEntry* same = ledger_->Recorded(entry.path, entry.version)) {
    if (*same == entry) return;  // recorded again (a restarted master), fine
    if (same->hash != entry.hash || same->tombstone != entry.tombstone) {
      verdict_->Fail("Durability", "version reused: " + Name(*same) +
                                       " recorded again as " + Name(entry));
    }
    return;
  }
  if (!entry.tombstone) {
    std::optional<Ledger::Replaced> old =
        ledger_->ReplacedContent(entry.path, entry.hash, entry.version);
    if (old && !ledger_->WrittenSince(entry.path, entry.hash, old->recorded)) {
      verdict_->Fail("Durability", "an old version came back: " + Name(entry) +
                                       " has the content of v" +
                                       std::to_string(old->version) +
                                       ", which a newer version replaced, and nobody "
                                       "wrote it again since");
      return;
    }
    const std::optional<std::string> source = ConflictSource(entry);
    if (source && ledger_->WrittenSince(*source, entry.hash, Instant{})) {
      // A conflict copy of content written at its source path (a write whose
      // report lost to a concurrent one there): stale only if that path's
      // own version with it was replaced, and it was not written again since.
      std::optional<Ledger::Replaced> replaced =
          ledger_->ReplacedContent(*source, entry.hash, UINT64_MAX);
      if (replaced && !ledger_->WrittenSince(*source, entry.hash, replaced->recorded)) {
        verdict_->Fail("Durability", "an old version came back as a conflict copy: " +
                                         Name(entry) + " has the content of " + *source +
                                         " v" + std::to_string(replaced->version) +
                                         ", which a newer version replaced, and nobody "
                                         "wrote it again since");
        return;
      }
    } else if (!ledger_->WrittenSince(entry.path, entry.hash, Instant{})) {
      std::optional<Ledger::Replacement> stale =
          ledger_->StaleElsewhere(entry.path, entry.hash, now);
      if (stale) {
        verdict_->Fail("Durability", "a replaced version came back: " + Name(entry) +
                                         " has content that " + stale->path +
                                         " had until a newer version replaced it, and "
                                         "nobody wrote it again since");
        return;
      }
    }
  }
  Instant tombstone_at{};
  const CatalogEntry* tombstone = ledger_->LastTombstone(entry.path, &tombstone_at);
  if (!tombstone) return;
  if (entry.version < tombstone->version) {
    verdict_->Fail("Durability", Name(entry) + " recorded after " + Name(*tombstone));
  } else if (!entry.tombstone &&
             !ledger_->WrittenSince(entry.path, entry.hash, tombstone_at)) {
    verdict_->Fail("Durability", "deleted file resurrected: " + Name(entry) + " after " +
                                     Name(*tombstone) +
                                     ", with content not written since the delete");
  }
}

void Durability::NoteSourceDelete(const std::string& node, const std::string& path,
                                  const Digest& digest, Instant now) {
  source_deletes_.push_back({node, path, digest, now});
}

void Durability::CheckSourceDeletes(const World& world) {
  for (const SourceDelete& d : source_deletes_) {
    // A source that is down has not told anyone yet (a crash may have undone
    // its report): it reports the delete when it is back (seed 6015).
    if (!IsUp(world, d.node)) continue;
    const CatalogEntry* entry = ledger_->Latest(d.path);
    if (entry == nullptr || entry->tombstone || entry->hash != d.digest) continue;
    if (ledger_->WrittenSince(d.path, d.digest, d.at)) continue;
    verdict_->Fail("Durability", "a delete on a source came back: " + d.path + " v" +
                                     std::to_string(entry->version) + " holds " +
                                     d.digest.ShortHex() + ", deleted at the source");
  }
}

void Durability::Finish(const World& world) {
  CheckSourceDeletes(world);
  CheckCopies();
  if (const Host* leader = world.leader()) CheckMasterCatalog(*leader->running_master());
}

void Durability::CheckCopies() {
  lost_to_faults_ = 0;
  for (const auto& [path, entry] : ledger_->latest()) {
    if (entry.tombstone) continue;
    const Copies* copies = ledger_->CopiesOf(path, entry.hash);
    if (!copies || copies->total > 0 || !copies->ever) continue;
    if (copies->last_loss_injected) {
      ++lost_to_faults_;
      continue;
    }
    verdict_->Fail("Durability", "lost " + Name(entry) + ": " + copies->last_remover +
                                     " removed its last copy");
    return;
  }
}

void Durability::CheckMasterCatalog(const Master& master) {
  for (const auto& [path, entry] : ledger_->latest()) {
    const Catalog::Slot* held = master.catalog().Find(path);
    if (held && held->version >= entry.version) continue;
    verdict_->Fail(
        "Durability",
        "the master's catalog lost " + Name(entry) + " (it has " +
            (held ? Name(master.catalog().EntryOf(*held)) : std::string("nothing")) +
            ")");
    return;
  }
}

}  // namespace dds::sim
