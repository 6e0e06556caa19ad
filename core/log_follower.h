// The node's side of the master's log: where its catalog copy stands, and
// the exchanges that keep it there.
//
// The catalog copy has a cursor: the last change of the master's log it has
// applied, with every change before it. Pushes (EntryUpdates) that follow
// the cursor move it; a gap (a lost push) or a head the master names later
// makes the follower ask for the changes after its cursor, one bounded page
// at a time (flow control: the next page is asked for once the last is
// applied). A cursor from another epoch gets a snapshot, in pages too; the
// entries it does not list are dropped at its end. The cursor is persisted,
// so a restart resumes where the node was; mid-snapshot, the old cursor is
// kept until the snapshot is whole.
//
// The follower decides; the node's catalog copy and its link to the master
// act, through the narrow CatalogCopy interface (core/node.h implements it).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/entry.h"
#include "core/messages.h"
#include "core/types.h"

namespace dds {

class LogFollower {
 public:
  // What the follower acts on.
  class CatalogCopy {
   public:
    virtual ~CatalogCopy() = default;
    // Applies one entry of the log; true if the copy changed.
    virtual bool Apply(const CatalogEntry& entry) = 0;
    // `path` changed in the copy (`pushed`: as news, from EntryUpdates).
    // Called once a page or push is applied whole, for its new versions
    // first and its tombstones after.
    virtual void Changed(const std::string& path, bool pushed) = 0;
    // A snapshot begins (every entry is unmarked; `replacing`: the copy
    // came from another master state) or is whole (the unmarked go).
    virtual void SnapshotBegins(bool replacing) = 0;
    virtual void SnapshotEnds() = 0;
    // Asks the master for the changes after `after`; false if there is no
    // master to ask (not registered).
    virtual bool Request(const Cursor& after) = 0;
    virtual void SaveCursor(const Cursor& cursor) = 0;
  };

  // A request unanswered for `stall_after` is taken for lost.
  LogFollower(CatalogCopy* catalog, Duration stall_after)
      : catalog_(catalog), stall_after_(stall_after) {}

  // The cursor saved by an earlier run.
  void Restore(const Cursor& saved) { cursor_ = saved; }
  const Cursor& cursor() const { return cursor_; }

  // The link to the master was made again or lost: an answer to a request
  // sent before cannot come.
  void Forget() { asking_ = false; }
  // The master's log reaches `head` (a welcome, a heartbeat's answer):
  // asks for what the copy lacks, unless a request is already on its way.
  void OnHead(const Cursor& head, Instant now);
  void OnPage(const CatalogPage& page, Instant now);
  void OnUpdates(const EntryUpdates& updates, Instant now);

 private:
  // (path, is a tombstone) of the entries a page or push changed.
  using Changes = std::vector<std::pair<std::string, bool>>;
  void Ask(Instant now);
  void Announce(const Changes& changed, bool pushed);

  CatalogCopy* const catalog_;
  const Duration stall_after_;
  Cursor cursor_;
  bool asking_ = false;    // a CatalogRequest awaits its page
  Instant asked_at_{};     // when it was sent
  bool snapshot_ = false;  // applying a snapshot (reset pages)
};

}  // namespace dds
