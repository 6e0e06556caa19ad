// Goal: the master tells a copy of a replaced version (a node seeded with
// the file before the cluster moved on) from a concurrent edit, also after
// a restart, and still treats a revert as an edit; it
// serves its log in bounded pages that resume exactly; it reconciles a
// node's holdings from bucket summaries, asking only for the buckets that
// differ; it forgets decisions once settled; and no batch it sends grows
// past the bound.
// Method: drive one Master through a minimal Env and read what it sends.
#include "core/master.h"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/holdings.h"
#include "core/master_keys.h"
#include "core/wire.h"
#include "sim/mem_meta.h"

namespace dds {
namespace {

// Keeps what the master sends; the master never touches files. Its durable
// state lives in the simulator's MetaStore, which outlives a restart. The
// master's outbox flushes on a timer of at most kOutboxLinger, which Pump()
// fires, moving the clock on; the master's periodic timers never fire.
class RecordingEnv final : public Env {
 public:
  Instant Now() const override { return now; }
  void SetTimer(TimerId id, Duration delay) override {
    if (delay <= kOutboxLinger) {
      due[id] = now + delay;
    } else {
      due.erase(id);
    }
  }
  void CancelTimer(TimerId id) override { due.erase(id); }
  void Send(const Address& to, const Message& message) override {
    sent[to].push_back(message);
    if (auto* acks_in = std::get_if<ChangeAcks>(&message)) {
      for (const ChangeAck& ack : acks_in->items) acks[to].push_back(ack);
    }
  }
  FileStore& Files() override { std::abort(); }
  MetaStore& Meta() override { return meta; }
  uint64_t Random() override { return 4; }
  void Note(std::string_view) override {}

  sim::MemMetaStore meta;
  Instant now{};
  std::map<TimerId, Instant> due;  // timers that flush the outbox
  std::map<Address, std::vector<Message>> sent;
  std::map<Address, std::vector<ChangeAck>> acks;
};

Digest Content(char fill) {
  Digest d;
  d.bytes.fill(static_cast<uint8_t>(fill));
  return d;
}

struct Fixture {
  Fixture() { Restart(); }
  void Restart() {
    master = std::make_unique<Master>(&env, MasterOptions{});
    master->Start();
    for (const char* n : {"n1", "n2", "n3"}) Deliver(n, Register{n, "", {}, {}});
  }
  void Pump() {
    while (!env.due.empty()) {
      auto [id, at] = *env.due.begin();
      env.due.erase(env.due.begin());
      env.now = std::max(env.now, at);
      master->OnTimer(id);
    }
  }
  void Deliver(const std::string& from, const Message& m) {
    master->OnMessage(from, m);
    Pump();
  }
  ChangeAck Change(const std::string& node, uint64_t base, char content) {
    Deliver(
        node,
        Changes{node,
                {dds::Change{next_id++, "p.txt", base, Content(content), 10, 0, {}}}});
    return env.acks[node].back();
  }
  bool HasConflictCopy() const {
    for (const Catalog::Slot& slot : master->catalog().slots()) {
      if (slot.path != "p.txt") return true;
    }
    return false;
  }
  // Every message of type T sent to `to`, oldest first.
  template <typename T>
  std::vector<T> SentTo(const std::string& to) {
    std::vector<T> out;
    for (const Message& m : env.sent[to]) {
      if (auto* t = std::get_if<T>(&m)) out.push_back(*t);
    }
    return out;
  }

  RecordingEnv env;
  std::unique_ptr<Master> master;
  uint64_t next_id = 1;
};

BOOST_FIXTURE_TEST_CASE(a_copy_of_a_replaced_version_is_not_an_edit, Fixture) {
  BOOST_TEST(Change("n1", 0, 'A').version == 1u);
  BOOST_TEST(Change("n1", 1, 'B').version == 2u);
  // n2 was seeded with v1 (A) before it joined: it reports A from base 0.
  ChangeAck late = Change("n2", 0, 'A');
  BOOST_TEST(late.accepted);
  BOOST_TEST(late.version == 1u);  // it holds v1; it will pull v2
  BOOST_TEST(late.conflict_path.empty());
  BOOST_TEST(master->catalog().Find("p.txt")->version == 2u);
  BOOST_TEST(!HasConflictCopy());
}

BOOST_FIXTURE_TEST_CASE(replaced_versions_survive_a_master_restart, Fixture) {
  Change("n1", 0, 'A');
  Change("n1", 1, 'B');
  Restart();
  ChangeAck late = Change("n3", 0, 'A');
  BOOST_TEST(late.accepted);
  BOOST_TEST(late.version == 1u);
  BOOST_TEST(!HasConflictCopy());
}

BOOST_FIXTURE_TEST_CASE(new_content_from_an_old_base_is_still_a_conflict, Fixture) {
  Change("n1", 0, 'A');
  Change("n1", 1, 'B');
  Change("n2", 0, 'C');  // never recorded: a concurrent edit
  BOOST_TEST(HasConflictCopy());
}

BOOST_FIXTURE_TEST_CASE(a_revert_from_the_current_version_is_an_edit, Fixture) {
  Change("n1", 0, 'A');
  Change("n1", 1, 'B');
  ChangeAck revert = Change("n2", 2, 'A');  // n2 held v2 and put A back
  BOOST_TEST(revert.accepted);
  BOOST_TEST(revert.version == 3u);
  BOOST_TEST((master->catalog().Find("p.txt")->hash == Content('A')));
}

// n1 reports `count` new files with long names, so that the catalog and
// every bulk exchange about it span several messages.
void AddFiles(Fixture& f, int count) {
  Changes batch{"n1", {}};
  for (int i = 0; i < count; ++i) {
    std::string path = "dir/" + std::string(200, 'x') + "/" + std::string(200, 'y') +
                       std::to_string(100000 + i);
    batch.items.push_back(dds::Change{f.next_id++,
                                      path,
                                      0,
                                      Content(static_cast<char>(i)),
                                      static_cast<uint64_t>(i + 1),
                                      0,
                                      {}});
  }
  f.Deliver("n1", batch);
}

BOOST_FIXTURE_TEST_CASE(the_log_comes_in_bounded_pages_that_resume_exactly, Fixture) {
  AddFiles(*this, 6000);  // about 3 MiB of entries
  const Cursor head = master->head();
  BOOST_TEST(head.seq == 6000u);
  Cursor after{head.epoch, 0};
  std::set<std::string> seen;
  uint64_t last_seq = 0;
  int pages = 0;
  while (!(after == head)) {
    Deliver("n2", CatalogRequest{"n2", after});
    CatalogPage page = SentTo<CatalogPage>("n2").back();
    BOOST_TEST(!page.reset);
    BOOST_TEST(WireSize(page) <= kMaxBatchBytes + kMaxItemBytes);
    BOOST_TEST_REQUIRE(!page.entries.empty());
    for (const CatalogEntry& e : page.entries) {
      BOOST_TEST(e.seq > last_seq);  // in log order, each once
      last_seq = e.seq;
      seen.insert(e.path);
    }
    BOOST_TEST(page.last.seq == page.entries.back().seq);
    after = page.last;
    ++pages;
  }
  BOOST_TEST(pages >= 3);
  BOOST_TEST(seen.size() == 6000u);
  // A path changed again moves to the end of the log, once.
  Deliver(
      "n1",
      Changes{"n1", {dds::Change{next_id++, *seen.begin(), 1, Content('z'), 1, 0, {}}}});
  Deliver("n2", CatalogRequest{"n2", after});
  CatalogPage tail = SentTo<CatalogPage>("n2").back();
  BOOST_TEST_REQUIRE(tail.entries.size() == 1u);
  BOOST_TEST(tail.entries[0].path == *seen.begin());
  BOOST_TEST((tail.last == master->head()));
}

BOOST_FIXTURE_TEST_CASE(a_cursor_from_elsewhere_gets_a_snapshot, Fixture) {
  AddFiles(*this, 10);
  Deliver("n2", CatalogRequest{"n2", Cursor{master->head().epoch + 1, 3}});
  CatalogPage page = SentTo<CatalogPage>("n2").back();
  BOOST_TEST(page.reset);
  BOOST_TEST(page.entries.size() == 10u);
  // Ahead of the head: the state was rolled back; a snapshot too.
  Deliver("n2", CatalogRequest{"n2", Cursor{master->head().epoch, 99}});
  BOOST_TEST(SentTo<CatalogPage>("n2").back().reset);
}

// The summary a node holding every live entry of the catalog would send.
std::vector<BucketSummary> HoldingAll(const Catalog& catalog) {
  BucketSums sums;
  for (const Catalog::Slot& slot : catalog.slots()) {
    if (!slot.tombstone)
      sums.Add(BucketOf(slot.path), Catalog::Mix(slot.path, slot.version, slot.hash), 1);
  }
  return sums.NonEmpty();
}

BOOST_FIXTURE_TEST_CASE(holdings_are_reconciled_bucket_by_bucket, Fixture) {
  AddFiles(*this, 3000);
  const Cursor head = master->head();
  auto files_of = [&](const std::string& node) {
    for (const NodeStatus& n : master->Nodes()) {
      if (n.name == node) return n.files_current;
    }
    return size_t{0};
  };
  // A node holding everything: agreed from the summary alone.
  Deliver("n2", Register{"n2", "", head, HoldingAll(master->catalog())});
  BOOST_TEST(files_of("n2") == 3000u);
  BOOST_TEST(SentTo<HoldingsWanted>("n2").empty());
  // A node holding nothing: emptied, nothing asked.
  Deliver("n2", Register{"n2", "", head, {}});
  BOOST_TEST(files_of("n2") == 0u);
  BOOST_TEST(SentTo<HoldingsWanted>("n2").empty());
  // A node holding one file: only that file's bucket is asked for.
  const CatalogEntry one = master->catalog().EntryOf(*master->catalog().slots().begin());
  BucketSums sums;
  sums.Add(BucketOf(one.path), Catalog::Mix(one.path, one.version, one.hash), 1);
  Deliver("n3", Register{"n3", "", head, sums.NonEmpty()});
  std::vector<HoldingsWanted> wanted = SentTo<HoldingsWanted>("n3");
  BOOST_TEST_REQUIRE(wanted.size() == 1u);
  BOOST_TEST(wanted[0].buckets == std::vector<uint64_t>{BucketOf(one.path)});
  Deliver(
      "n3",
      HoldingsList{"n3", {Holding{one.path, one.version, one.hash, one.size, {}}}, true});
  BOOST_TEST(files_of("n3") == 1u);
  // Summaries are facts whatever log the node follows: one from another
  // epoch that matches is as good.
  Deliver("n2",
          Register{"n2", "", Cursor{head.epoch + 1, 5}, HoldingAll(master->catalog())});
  BOOST_TEST(files_of("n2") == 3000u);
  BOOST_TEST(SentTo<HoldingsWanted>("n2").empty());
  // A drifted view (a Dropped the node never meant), found by a heartbeat
  // whose digest differs: the summary mends it, bucket by bucket.
  Deliver("n2", Dropped{"n2", {one.path}});
  BOOST_TEST(files_of("n2") == 2999u);
  Deliver("n2", Heartbeat{"n2", head, 3000, 12345, 0, 1, false});
  BOOST_TEST(SentTo<HoldingsCheck>("n2").size() == 1u);
  Deliver("n2", HoldingsSummary{"n2", HoldingAll(master->catalog())});
  BOOST_TEST(files_of("n2") == 3000u);
  BOOST_TEST(SentTo<HoldingsWanted>("n2").empty());
}

// Swarm seed 3229: a check whose summary is lost must not stop the
// comparisons for good. After node_timeout of heartbeats without the answer,
// the master asks again.
BOOST_FIXTURE_TEST_CASE(a_lost_holdings_summary_is_asked_for_again, Fixture) {
  Change("n1", 0, 'A');
  const Cursor head = master->head();
  const Heartbeat drifted{"n2", head, 1, 12345, 0, 1, false};
  Deliver("n2", drifted);
  BOOST_TEST(SentTo<HoldingsCheck>("n2").size() == 1u);
  // The summary never comes.
  env.now += MasterOptions{}.node_timeout / 2;
  Deliver("n2", drifted);
  BOOST_TEST(SentTo<HoldingsCheck>("n2").size() == 1u);  // still in flight
  env.now += MasterOptions{}.node_timeout;
  Deliver("n2", drifted);  // lost: forgotten, and asked again
  BOOST_TEST(SentTo<HoldingsCheck>("n2").size() == 2u);
}

BOOST_FIXTURE_TEST_CASE(a_holdings_list_adopts_versions_the_catalog_lacks, Fixture) {
  // The master lost its state; n2 still holds v4 of a file.
  Deliver("n2", Register{"n2", "", Cursor{77, 9}, {{BucketOf("kept"), 1, 5}}});
  Deliver("n2", HoldingsList{"n2", {Holding{"kept", 4, Content('k'), 3, {}}}, true});
  const Catalog::Slot* kept = master->catalog().Find("kept");
  BOOST_TEST_REQUIRE(kept != nullptr);
  BOOST_TEST(kept->version == 4u);
  BOOST_TEST(master->LiveHolders("kept").size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_node_out_of_watches_shows_in_the_status, Fixture) {
  Heartbeat beat{"n2", master->head()};
  beat.watch_incomplete = true;
  Deliver("n2", beat);
  for (const NodeStatus& n : master->Nodes())
    BOOST_TEST(n.watch_incomplete == (n.name == "n2"));
  beat.watch_incomplete = false;
  Deliver("n2", beat);
  for (const NodeStatus& n : master->Nodes()) BOOST_TEST(!n.watch_incomplete);
}

std::vector<std::string> EventTexts(const Master& master) {
  std::vector<std::string> texts;
  for (const RecentEvents::Event& e : master.recent_events().events())
    texts.push_back(e.text);
  return texts;
}

// Damage a node finds reaches the master as counts since the node started;
// a rise is one event, and a count a heartbeat brings first (after a
// registration: the node or the master restarted) is only a baseline.
BOOST_FIXTURE_TEST_CASE(damage_a_node_finds_becomes_one_event_per_rise, Fixture) {
  Heartbeat beat{"n2", master->head()};
  beat.lost_found = 5;  // found before this master knew the node
  Deliver("n2", beat);
  const size_t before = EventTexts(*master).size();
  beat.lost_found = 7;
  beat.corrupt_found = 1;
  Deliver("n2", beat);
  Deliver("n2", beat);  // no rise, no event
  std::vector<std::string> texts = EventTexts(*master);
  BOOST_TEST_REQUIRE(texts.size() == before + 2);
  BOOST_TEST(texts[before] ==
             "node n2 found 2 file(s) gone from its disk; restoring from peers");
  BOOST_TEST(texts[before + 1] ==
             "node n2 found 1 corrupt file(s); repairing from peers");
  Deliver("n2", Register{"n2", "", {}, {}});  // restarted: counts from 0 again
  beat.lost_found = 1;
  beat.corrupt_found = 0;
  Deliver("n2", beat);
  BOOST_TEST(EventTexts(*master).size() == before + 3);  // the registration only
}

BOOST_FIXTURE_TEST_CASE(recent_events_are_bounded_and_keep_the_newest, Fixture) {
  for (int i = 0; i < 100; ++i) {
    const std::string name = "m" + std::to_string(i);
    Deliver(name, Register{name, "", {}, {}});
  }
  std::vector<std::string> texts = EventTexts(*master);
  BOOST_TEST(texts.size() == RecentEvents::kKept);
  BOOST_TEST(texts.back().starts_with("node m99 registered"));
  BOOST_TEST(texts.front().starts_with(
      "node m" + std::to_string(100 - RecentEvents::kKept) + " registered"));
}

BOOST_FIXTURE_TEST_CASE(decisions_are_kept_until_settled, Fixture) {
  ChangeAck first = Change("n1", 0, 'A');
  std::string value;
  BOOST_TEST(env.meta.Get(DecisionKey("n1", first.id), &value).ok());
  // Sent again (its ack lost) after the path moved on: the same answer.
  Change("n2", 1, 'B');
  Deliver("n1",
          Changes{"n1", {dds::Change{first.id, "p.txt", 0, Content('A'), 10, 0, {}}}});
  BOOST_TEST((env.acks["n1"].back() == first));
  // Settled: forgotten, durably too.
  Deliver("n1", Heartbeat{"n1", master->head(), 0, 0, 0, first.id + 1, false});
  BOOST_TEST(env.meta.Get(DecisionKey("n1", first.id), &value).IsNotFound());
}

BOOST_FIXTURE_TEST_CASE(pushes_and_answers_are_split_under_the_bound, Fixture) {
  AddFiles(*this, 6000);
  std::vector<EntryUpdates> pushed = SentTo<EntryUpdates>("n2");
  std::vector<ChangeAcks> acks = SentTo<ChangeAcks>("n1");
  BOOST_TEST(pushed.size() >= 3u);
  size_t entries = 0;
  for (const EntryUpdates& m : pushed) {
    BOOST_TEST(WireSize(m) <= kMaxBatchBytes + kMaxItemBytes);
    entries += m.entries.size();
  }
  BOOST_TEST(entries == 6000u);
  size_t answered = 0;
  for (const ChangeAcks& m : acks) {
    BOOST_TEST(WireSize(m) <= kMaxBatchBytes + kMaxItemBytes);
    answered += m.items.size();
  }
  BOOST_TEST(answered == 6000u);
  BOOST_TEST(acks.size() >= 3u);
}

// ---- ignore patterns ----

// The position of the first message of type T among those sent to `to`.
template <typename T>
size_t FirstOf(const std::vector<Message>& sent) {
  for (size_t i = 0; i < sent.size(); ++i) {
    if (std::holds_alternative<T>(sent[i])) return i;
  }
  return sent.size();
}

BOOST_FIXTURE_TEST_CASE(a_registration_gets_the_patterns_before_its_welcome, Fixture) {
  const std::vector<Message>& sent = env.sent["n1"];
  BOOST_TEST(FirstOf<IgnoreRules>(sent) < FirstOf<Welcome>(sent));
  const IgnoreRules rules = SentTo<IgnoreRules>("n1").front();
  BOOST_TEST(rules.version == 1u);
  BOOST_TEST(rules.patterns == IgnoreFilter::Defaults());
}

BOOST_FIXTURE_TEST_CASE(a_change_on_an_ignored_path_is_refused_not_recorded, Fixture) {
  Deliver(
      "n1",
      Changes{"n1", {dds::Change{1, "up/.f1.bin.qrcHkS", 0, Content('A'), 10, 0, {}}}});
  const ChangeAck ack = env.acks["n1"].back();
  BOOST_TEST(!ack.accepted);
  BOOST_TEST(ack.conflict_path.empty());
  BOOST_TEST(master->catalog().Find("up/.f1.bin.qrcHkS") == nullptr);
  // Nor does a node claiming to hold it put it in the catalog.
  Deliver("n1", HoldingsList{"n1", {Holding{"a.tmp", 3, Content('B'), 10, {}}}, true});
  BOOST_TEST(master->catalog().Find("a.tmp") == nullptr);
}

BOOST_FIXTURE_TEST_CASE(adding_a_pattern_tombstones_what_it_covers_after_telling_nodes,
                        Fixture) {
  Change("n1", 0, 'A');  // p.txt
  Deliver(
      "n1",
      Changes{"n1", {dds::Change{next_id++, "logs/x.log", 0, Content('L'), 10, 0, {}}}});
  env.sent.clear();
  Result<IgnoreRules> rules = master->AddIgnore("*.log");
  BOOST_REQUIRE(rules.ok());
  BOOST_TEST(rules->version == 2u);
  Pump();
  const Catalog::Slot* log = master->catalog().Find("logs/x.log");
  BOOST_REQUIRE(log != nullptr);
  BOOST_TEST(log->tombstone);
  BOOST_TEST(master->catalog().OriginOf(*log) == std::string(kIgnoredOrigin));
  BOOST_TEST(master->catalog().Find("p.txt")->live());
  for (const char* n : {"n1", "n2", "n3"}) {
    const std::vector<Message>& sent = env.sent[n];
    BOOST_TEST(FirstOf<IgnoreRules>(sent) < FirstOf<EntryUpdates>(sent), n);
  }
  // Idempotent, durable, and the new version outlives a restart.
  BOOST_TEST(master->AddIgnore("*.log")->version == 2u);
  Restart();
  BOOST_TEST(master->ignore_rules().version == 2u);
  BOOST_TEST(master->Ignored("a/b.log"));
}

BOOST_FIXTURE_TEST_CASE(removing_a_pattern_lets_its_paths_be_recorded_again, Fixture) {
  BOOST_REQUIRE(master->RemoveIgnore("*.tmp").ok());
  BOOST_TEST(!master->Ignored("a.tmp"));
  Deliver("n1", Changes{"n1", {dds::Change{1, "a.tmp", 0, Content('T'), 10, 0, {}}}});
  BOOST_TEST(env.acks["n1"].back().accepted);
  BOOST_TEST(master->RemoveIgnore("*.tmp").status().IsNotFound());
}

BOOST_FIXTURE_TEST_CASE(bad_patterns_change_nothing, Fixture) {
  for (const char* bad : {"", "#x", "a//b", "a\nb"}) {
    Result<IgnoreRules> r = master->AddIgnore(bad);
    BOOST_TEST(!r.ok(), bad);
    BOOST_TEST((r.status().code() == Status::Code::kInvalidArgument));
  }
  BOOST_TEST(master->ignore_rules().version == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_heartbeat_with_other_patterns_gets_the_masters, Fixture) {
  env.sent.clear();
  Heartbeat beat{.node = "n2", .cursor = master->head(), .ignore_version = 1};
  Deliver("n2", beat);
  BOOST_TEST(SentTo<IgnoreRules>("n2").empty());
  beat.ignore_version = 7;  // from an earlier master state, say
  Deliver("n2", beat);
  BOOST_TEST(SentTo<IgnoreRules>("n2").size() == 1u);
}

// ---- deletes from a source node, and moves ----

dds::Change Removal(uint64_t id, const std::string& path, uint64_t base,
                    Digest deleted = {}) {
  dds::Change c{id, path, base, deleted, 0, 0, {}};
  c.removed = true;
  return c;
}

BOOST_FIXTURE_TEST_CASE(a_sources_delete_is_a_tombstone_unless_an_edit_came_first,
                        Fixture) {
  Change("n1", 0, 'A');  // p.txt v1
  Deliver("n1", Changes{"n1", {Removal(next_id++, "p.txt", 1)}});
  BOOST_TEST(env.acks["n1"].back().accepted);
  BOOST_TEST(env.acks["n1"].back().version == 2u);
  const Catalog::Slot* p = master->catalog().Find("p.txt");
  BOOST_TEST(p->tombstone);
  BOOST_TEST(master->catalog().OriginOf(*p) == "n1");
  // Written again before it heard the answer (same base): a new version.
  BOOST_TEST(Change("n1", 1, 'B').version == 3u);
  // n2 deletes v1 while v3 is current: the edit wins, nothing is recorded.
  Deliver("n2", Changes{"n2", {Removal(next_id++, "p.txt", 1)}});
  const ChangeAck lost = env.acks["n2"].back();
  BOOST_TEST(!lost.accepted);
  BOOST_TEST(lost.conflict_path.empty());
  BOOST_TEST(master->catalog().Find("p.txt")->live());
}

BOOST_FIXTURE_TEST_CASE(a_sources_delete_before_any_report_is_not_undone_by_a_copy,
                        Fixture) {
  // n1 deleted never.txt before any report of it was recorded; n2's copy of
  // the same content, reported after, is a copy of what was deleted (its
  // version 1), not a new file: the tombstone stays.
  struct Inferred final : CatalogObserver {
    void OnRecorded(const CatalogEntry&) override {}
    void OnInferred(const std::string& path, uint64_t version,
                    const Digest& hash) override {
      seen.push_back(path + " v" + std::to_string(version) + " " + hash.ShortHex());
    }
    void OnMarkedDown(const std::string&) override {}
    std::vector<std::string> seen;
  } observer;
  master->set_observer(&observer);
  Deliver("n1", Changes{"n1", {Removal(next_id++, "never.txt", 0, Content('A'))}});
  BOOST_TEST(env.acks["n1"].back().accepted);
  BOOST_TEST(master->catalog().Find("never.txt")->tombstone);
  BOOST_TEST(master->catalog().Find("never.txt")->version == 2u);
  // Version 1 was never recorded, yet n2 may come to hold it (below): the
  // simulator's checkers must learn that it existed.
  BOOST_TEST(observer.seen ==
                 std::vector<std::string>{"never.txt v1 " + Content('A').ShortHex()},
             boost::test_tools::per_element());
  Deliver(
      "n2",
      Changes{"n2", {dds::Change{next_id++, "never.txt", 0, Content('A'), 10, 0, {}}}});
  BOOST_TEST(env.acks["n2"].back().version == 1u);
  BOOST_TEST(master->catalog().Find("never.txt")->tombstone);
  // Other content at the path is a file of its own.
  Deliver(
      "n2",
      Changes{"n2", {dds::Change{next_id++, "never.txt", 2, Content('B'), 10, 0, {}}}});
  BOOST_TEST(master->catalog().Find("never.txt")->live());
}

BOOST_FIXTURE_TEST_CASE(a_sources_delete_of_the_recorded_content_applies, Fixture) {
  // n2 recorded p.txt v1 before n1's report of the same content arrived; n1
  // then deleted its file (its delete's base is still 0). It deletes what
  // is recorded, so it applies; a delete of other content does not.
  Change("n2", 0, 'A');
  Deliver("n1", Changes{"n1", {Removal(next_id++, "p.txt", 0, Content('B'))}});
  BOOST_TEST(!env.acks["n1"].back().accepted);
  BOOST_TEST(master->catalog().Find("p.txt")->live());
  Deliver("n1", Changes{"n1", {Removal(next_id++, "p.txt", 0, Content('A'))}});
  BOOST_TEST(env.acks["n1"].back().accepted);
  BOOST_TEST(master->catalog().Find("p.txt")->tombstone);
}

BOOST_FIXTURE_TEST_CASE(a_move_records_the_new_path_then_the_tombstone, Fixture) {
  Change("n1", 0, 'A');  // p.txt v1
  Change("n1", 1, 'B');  // v2
  env.sent.clear();
  Result<CatalogEntry> moved = master->Move("p.txt", "d/q.txt");
  BOOST_REQUIRE(moved.ok());
  BOOST_TEST((moved->hash == Content('B')));
  BOOST_TEST(moved->version == 1u);
  Pump();
  const std::vector<EntryUpdates> pushed = SentTo<EntryUpdates>("n2");
  BOOST_REQUIRE(!pushed.empty());
  const std::vector<CatalogEntry>& entries = pushed.back().entries;
  BOOST_REQUIRE(entries.size() == 2u);
  BOOST_TEST(entries[0].path == "d/q.txt");
  BOOST_TEST(entries[1].path == "p.txt");
  BOOST_TEST(entries[1].tombstone);
  BOOST_TEST(master->Move("p.txt", "x").status().IsNotFound());
  Change("n1", 3, 'C');  // p.txt again, after its tombstone: v4
  for (const char* bad_target : {"d/q.txt", "x.tmp", "../x", "p.txt"}) {
    Result<CatalogEntry> r = master->Move("p.txt", bad_target);
    BOOST_TEST(!r.ok(), bad_target);
    BOOST_TEST((r.status().code() == Status::Code::kInvalidArgument), bad_target);
  }
}

}  // namespace
}  // namespace dds
