// Goal: a standby master holds the leader's catalog and takes over with it.
// A standby applies the leader's batches as they reach the log, durably with
// how far it got; when the leader's lease is gone it is elected, reads the
// log to its end, drops a batch the old leader left unfinished, and starts
// a Master over the same state, its incarnation the new term; the old
// leader, deposed, drops its Master.
// Method: two MasterSeats over the simulator's coordination service, in
// virtual time. The leader's flush (which the Env will do: docs/ha.md) is
// played here: after each step, the leader's new writes are cut into
// records and appended to the log as its term.
#include "core/master_seat.h"

#include <boost/test/unit_test.hpp>
#include <deque>
#include <map>
#include <memory>

#include "core/master_keys.h"
#include "core/wire.h"
#include "sim/mem_meta.h"
#include "sim/sim_coordination.h"

namespace dds {
namespace {

constexpr Duration kTtl = std::chrono::seconds(3);

// Keeps the writes since the last flush, as the runtime's store does.
class RecordingMeta final : public MetaStore {
 public:
  Status Put(std::string_view key, std::string_view value) override {
    writes[std::string(key)] = std::string(value);
    return store.Put(key, value);
  }
  Status Delete(std::string_view key) override {
    writes[std::string(key)] = std::nullopt;
    return store.Delete(key);
  }
  Status Get(std::string_view key, std::string* value) override {
    return store.Get(key, value);
  }
  Status Scan(std::string_view prefix, const Visitor& visit) override {
    return store.Scan(prefix, visit);
  }
  sim::MemMetaStore store;
  MetaWrites writes;
};

// One master's machine: its clock is the world's, timers and answers wait
// in the world's queue.
struct Machine;

struct World {
  sim::SimCoordinationService service{kTtl};
  Instant now{};
  std::multimap<Instant, std::function<void()>> due;  // by time, then order
  void At(Duration delay, std::function<void()> fn) {
    due.emplace(now + delay, std::move(fn));
  }
  // Runs everything due up to `now + d`, ticking the service every 100 ms.
  void Advance(Duration d, const std::function<void()>& after_each = nullptr) {
    for (Instant end = now + d; now < end;) {
      now += std::chrono::milliseconds(100);
      service.Tick(now);
      while (!due.empty() && due.begin()->first <= now) {
        auto fn = std::move(due.begin()->second);
        due.erase(due.begin());
        fn();
        if (after_each) after_each();
      }
    }
  }
};

class MachineEnv final : public Env {
 public:
  explicit MachineEnv(World& w) : world(w) {}
  Instant Now() const override { return world.now; }
  void SetTimer(TimerId id, Duration delay) override {
    const uint64_t generation = ++timers[id];
    world.At(delay, [this, id, generation] {
      if (timers[id] == generation && process) process->OnTimer(id);
    });
  }
  void CancelTimer(TimerId id) override { ++timers[id]; }
  void Send(const Address& to, const Message& message) override {
    sent.emplace_back(to, message);
  }
  FileStore& Files() override { std::abort(); }
  MetaStore& Meta() override { return meta; }
  uint64_t Random() override { return 4; }
  void Note(std::string_view line) override { BOOST_TEST_MESSAGE(std::string(line)); }

  World& world;
  RecordingMeta meta;
  std::map<TimerId, uint64_t> timers;
  Process* process = nullptr;
  std::vector<std::pair<Address, Message>> sent;
};

struct Machine {
  Machine(World& w, const std::string& name, SeatOptions options = {})
      : env(w),
        coordination(w.service, name,
                     [&w](std::function<void()> fn) {
                       w.At(std::chrono::milliseconds(10), std::move(fn));
                     }),
        seat(&env, &coordination, {name, name + ":1", "http://" + name}, MasterOptions{},
             options) {
    env.process = &seat;
  }
  // The flush a leader's Env makes: its writes go to the log first.
  void Flush() {
    Result<std::optional<std::vector<LogRecord>>> records =
        coordination.CutNext(std::exchange(env.meta.writes, {}));
    if (!records.ok()) {  // the runtime would exit: this batch is never committed
      BOOST_TEST(coordination.deposed());
      return;
    }
    if (!*records) return;
    const uint64_t last = (*records)->back().index;
    BOOST_TEST(coordination.AppendNow(std::move(**records)).value());
    BOOST_REQUIRE(SaveApplied(env.meta.store, last).ok());
  }
  MachineEnv env;
  sim::SimCoordination coordination;
  MasterSeat seat;
};

// Two masters over one service: m1 (`a`) and m2 (`b`).
struct TwoSeats {
  // Time passes, each machine's writes flushed (to the log, if it leads)
  // after every step.
  void Advance(Duration d) {
    w.Advance(d, [this] { FlushAll(); });
  }
  void FlushAll() {
    a.Flush();
    b.Flush();
  }
  // m1 starts first and leads; m2 stands by.
  void StartBoth() {
    a.seat.Start();
    Advance(std::chrono::milliseconds(500));
    b.seat.Start();
    Advance(std::chrono::seconds(1));
    BOOST_REQUIRE(a.seat.master() != nullptr);
  }
  World w;
  Machine a{w, "m1"};
  Machine b{w, "m2"};
};

BOOST_AUTO_TEST_SUITE(master_seat)

BOOST_FIXTURE_TEST_CASE(a_standby_holds_the_catalog_and_takes_over_with_it, TwoSeats) {
  StartBoth();
  BOOST_TEST(b.seat.master() == nullptr);
  const uint64_t first_term = a.coordination.leading_term();

  // The leader records something; the standby follows it into its store.
  BOOST_REQUIRE(a.seat.master()->AddIgnore("*.bak").ok());
  FlushAll();
  Advance(std::chrono::seconds(1));
  const uint64_t logged = a.coordination.next_index() - 1;
  BOOST_TEST(b.seat.applied() == logged);
  BOOST_TEST(LoadApplied(b.env.meta.store).value() == logged);
  std::string stored;
  BOOST_TEST(b.env.meta.store.Get(kIgnoreKey, &stored).ok());

  const Cursor head = a.seat.master()->head();
  const IgnoreRules rules = a.seat.master()->ignore_rules();

  // The leader starts a large batch and is cut off before its end.
  MetaWrites unfinished;
  unfinished["catalog/never"] = std::string(kMaxLogFragmentBytes * 2, 'x');
  std::vector<LogRecord> parts = CutBatch(unfinished, first_term, logged + 1).value();
  parts.pop_back();
  a.coordination.Append(first_term, parts, [](Result<bool> ok) { BOOST_TEST(*ok); });
  Advance(std::chrono::milliseconds(200));
  w.service.SetReachable("m1", false);
  Advance(kTtl + std::chrono::seconds(2));

  BOOST_TEST(a.seat.deposed());
  BOOST_TEST(a.seat.master() == nullptr);
  BOOST_REQUIRE(b.seat.master() != nullptr);
  const uint64_t term = b.coordination.leading_term();
  BOOST_TEST(term > first_term);
  // Its batches go after the unfinished one's records, which it dropped.
  BOOST_TEST(b.seat.applied() == logged);
  BOOST_TEST(b.coordination.next_index() >= logged + 1 + parts.size());
  std::string never;
  BOOST_TEST(b.env.meta.store.Get("catalog/never", &never).IsNotFound());
  // The new Master runs on the old one's state.
  BOOST_TEST((b.seat.master()->ignore_rules() == rules));
  // Same epoch and head: the nodes' cursors stay good.
  BOOST_TEST(b.seat.master()->head().epoch == head.epoch);
  BOOST_TEST(b.seat.master()->head().seq == head.seq);
}

// A node that asks a standby for its master is pointed at the leader (once
// the standby has read who leads), and the leader welcomes it with its term.
BOOST_FIXTURE_TEST_CASE(a_standby_points_nodes_to_the_leader, TwoSeats) {
  a.seat.Start();
  w.Advance(std::chrono::milliseconds(500));
  b.seat.Start();
  w.Advance(std::chrono::seconds(2));
  BOOST_REQUIRE(a.seat.master() != nullptr);
  const uint64_t term = a.coordination.leading_term();
  const Register hello{"n1", "", Cursor{}, {}};

  b.seat.OnMessage("n1:1", hello);
  BOOST_REQUIRE_EQUAL(b.env.sent.size(), 1u);
  BOOST_TEST(b.env.sent[0].first == "n1:1");
  const auto* pointer = std::get_if<NotLeader>(&b.env.sent[0].second);
  BOOST_REQUIRE(pointer != nullptr);
  BOOST_TEST(pointer->leader == "m1:1");
  BOOST_TEST(pointer->term == term);
  // Only a node looking for its master is answered.
  b.seat.OnMessage("n1:1", Haves{"n1", {}});
  BOOST_TEST(b.env.sent.size() == 1u);

  a.seat.OnMessage("n1:1", hello);
  w.Advance(std::chrono::milliseconds(200));
  const Welcome* welcome = nullptr;
  for (const auto& [to, m] : a.env.sent) {
    if (const auto* w1 = std::get_if<Welcome>(&m); w1 && to == "n1:1") welcome = w1;
  }
  BOOST_REQUIRE(welcome != nullptr);
  BOOST_TEST(welcome->term == term);
  BOOST_TEST(welcome->master_incarnation == term);
}

// The leader forgets the records every master has applied (as each reported
// it), and no more: a standby that stops holds trimming back.
BOOST_FIXTURE_TEST_CASE(the_leader_trims_what_every_master_has_applied, TwoSeats) {
  StartBoth();
  for (const char* pattern : {"*.a", "*.b", "*.c"}) {
    BOOST_REQUIRE(a.seat.master()->AddIgnore(pattern).ok());
    FlushAll();
  }
  Advance(std::chrono::seconds(25));
  const uint64_t logged = a.coordination.next_index() - 1;
  BOOST_TEST(b.seat.applied() == logged);
  // Both applied everything: all is trimmed but the newest record, which
  // tells a new master it is behind.
  BOOST_REQUIRE(w.service.log().size() == 1u);
  BOOST_TEST(w.service.log().begin()->first == logged);

  // m2 is cut off from the service: its report stays where it was.
  w.service.SetReachable("m2", false);
  BOOST_REQUIRE(a.seat.master()->AddIgnore("*.d").ok());
  FlushAll();
  Advance(std::chrono::seconds(25));
  BOOST_REQUIRE(!w.service.log().empty());
  BOOST_TEST(w.service.log().begin()->first == logged + 1);
}

// Past its bound the log is trimmed even though a master has not applied
// it: a master cut off for long must not fill the coordination service. That
// master comes back behind the log, and asks for a copy of the catalog.
BOOST_AUTO_TEST_CASE(the_log_outgrowing_its_bound_leaves_a_lagging_master_behind) {
  World w;
  const SeatOptions small{.max_log_bytes = 1024};
  Machine a{w, "m1", small};
  Machine b{w, "m2", small};
  int copies_asked = 0;
  b.seat.set_on_behind([&] { ++copies_asked; });
  const auto advance = [&](Duration d) {
    w.Advance(d, [&] {
      a.Flush();
      b.Flush();
    });
  };
  a.seat.Start();
  advance(std::chrono::milliseconds(500));
  b.seat.Start();
  advance(std::chrono::seconds(2));
  BOOST_REQUIRE(a.seat.master() != nullptr);
  w.service.SetReachable("m2", false);
  const uint64_t reported = b.seat.applied();
  for (int i = 0; i < 60; ++i) {
    BOOST_REQUIRE(a.seat.master()->AddIgnore("*.x" + std::to_string(i)).ok());
    a.Flush();
  }
  advance(std::chrono::seconds(12));
  size_t bytes = 0;
  for (const auto& [index, record] : w.service.log()) bytes += record.fragment.size();
  BOOST_TEST(bytes <= 1024u + 1024u / 256);
  BOOST_REQUIRE(!w.service.log().empty());
  BOOST_TEST(w.service.log().begin()->first > reported + 1);

  w.service.SetReachable("m2", true);
  advance(std::chrono::seconds(1));
  BOOST_TEST(b.seat.behind());
  BOOST_TEST(copies_asked == 1);
  BOOST_TEST(b.seat.applied() == reported);  // nothing applied past the gap
}

// A master's store holding a catalog of epoch `epoch`, from before the log.
void HoldCatalog(Machine& m, uint64_t epoch) {
  BOOST_REQUIRE(m.env.meta.store.Put(kEpochKey, EncodeRecord(Cursor{epoch, 0})).ok());
}

// A single master converted (docs/ha.md): its catalog predates the log, so
// the log alone is not the catalog. Its first batch as leader names that
// catalog: a master with an empty store copies it rather than follow, the
// converted master restarted before its first commit follows its own base,
// and another cluster's master follows neither.
BOOST_FIXTURE_TEST_CASE(a_log_over_an_older_catalog_is_copied_not_followed, TwoSeats) {
  HoldCatalog(a, 77);
  int copies_asked = 0;
  b.seat.set_on_behind([&] { ++copies_asked; });
  StartBoth();
  BOOST_TEST(a.seat.master()->head().epoch == 77u);
  Advance(std::chrono::seconds(1));
  BOOST_TEST(b.seat.behind());
  BOOST_TEST(copies_asked == 1);
  BOOST_TEST(b.seat.applied() == 0u);

  Machine restarted{w, "m3"};
  HoldCatalog(restarted, 77);
  restarted.seat.Start();
  Advance(std::chrono::seconds(1));
  BOOST_TEST(!restarted.seat.stuck());
  BOOST_TEST(restarted.seat.applied() == a.coordination.next_index() - 1);

  Machine foreign{w, "m4"};
  HoldCatalog(foreign, 78);
  foreign.seat.Start();
  Advance(std::chrono::seconds(1));
  BOOST_TEST(foreign.seat.stuck());
  BOOST_TEST(!foreign.seat.behind());
  BOOST_TEST(foreign.seat.applied() == 0u);
}

// A new cluster's log starts with the epoch of its first leader's new
// state: an empty master follows it, another cluster's does not.
BOOST_FIXTURE_TEST_CASE(another_clusters_master_does_not_follow_a_new_log, TwoSeats) {
  HoldCatalog(b, 78);
  StartBoth();
  Advance(std::chrono::seconds(1));
  BOOST_TEST(b.seat.stuck());
  BOOST_TEST(!b.seat.behind());
  BOOST_TEST(b.seat.applied() == 0u);

  Machine empty{w, "m3"};
  empty.seat.Start();
  Advance(std::chrono::seconds(1));
  BOOST_TEST(!empty.seat.stuck());
  BOOST_TEST(empty.seat.applied() == a.coordination.next_index() - 1);
  std::string epoch;
  BOOST_TEST(empty.env.meta.store.Get(kEpochKey, &epoch).ok());
}

BOOST_AUTO_TEST_CASE(a_log_span_cuts_at_batch_ends_within_its_bound) {
  LogSpan span(1000);
  uint64_t index = 0;
  const auto add = [&](size_t bytes, bool more) {
    span.Add(LogRecord{++index, 1, more, std::string(bytes, 'x')});
  };
  for (int i = 0; i < 9; ++i) add(100, false);
  BOOST_TEST(span.FitThrough() == 0u);  // 900 bytes fit
  add(100, true);                       // 11: a batch that goes on
  add(100, false);                      // 12: its end
  // 1100 bytes: through 1 leaves 1000; never after record 10, mid-batch.
  BOOST_TEST(span.FitThrough() == 1u);
  for (int i = 0; i < 5; ++i) add(100, false);
  BOOST_TEST(span.FitThrough() == 6u);
  span.Forget(6);
  BOOST_TEST(span.FitThrough() == 0u);
  // A long log seen whole keeps only the marks within the bound.
  LogSpan long_one(1 << 20);
  for (uint64_t i = 1; i <= 100000; ++i)
    long_one.Add(LogRecord{i, 1, false, std::string(100, 'x')});
  BOOST_TEST(long_one.FitThrough() >= 100000u - (1u << 20) / 100);
}

// A standby that finds records missing (trimmed before it got them) will
// not lead on a catalog it knows is incomplete: it stops following and
// resigns, and another master leads.
BOOST_FIXTURE_TEST_CASE(a_standby_that_missed_records_gives_way, TwoSeats) {
  // A log whose first records are gone: it starts at 5.
  MetaWrites batch{{"catalog/x", "1"}};
  a.seat.Start();  // m1 campaigns first, and is elected first
  w.Advance(std::chrono::milliseconds(500));
  BOOST_REQUIRE(a.seat.master() != nullptr);
  a.coordination.Append(a.coordination.leading_term(),
                        CutBatch(batch, a.coordination.leading_term(), 5).value(),
                        [](Result<bool> ok) { BOOST_TEST(*ok); });
  w.Advance(std::chrono::milliseconds(200));
  b.seat.Start();
  w.Advance(std::chrono::milliseconds(500));
  BOOST_TEST(b.seat.stuck());
  BOOST_TEST(b.seat.behind());
  BOOST_TEST(b.seat.applied() == 0u);
  // m1 goes; m2 resigned its campaign, so nobody it could block waits.
  w.service.SetReachable("m1", false);
  w.Advance(kTtl + std::chrono::seconds(1));
  BOOST_TEST(b.seat.master() == nullptr);
  BOOST_TEST(!w.service.leader());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
