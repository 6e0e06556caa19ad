// Goal: every bulk message is split under the bound, whatever its type, with
// its items in order, and the outbox keeps the order of everything sent to
// one peer. Method: drive each batch type far across kMaxBatchBytes through
// an Outbox over a recording Env, then read back what was sent.
#include "core/outbox.h"

#include <boost/test/unit_test.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/wire.h"

namespace dds {
namespace {

class SendingEnv final : public Env {
 public:
  Instant Now() const override { return now; }
  void SetTimer(TimerId id, Duration delay) override {
    armed.insert(id);
    delays[id] = delay;
  }
  void CancelTimer(TimerId id) override { armed.erase(id); }
  void Send(const Address& to, const Message& message) override {
    sent.emplace_back(to, message);
  }
  FileStore& Files() override { std::abort(); }
  MetaStore& Meta() override { std::abort(); }
  uint64_t Random() override { return 0; }
  void Note(std::string_view) override {}

  Instant now{};
  std::set<TimerId> armed;
  std::map<TimerId, Duration> delays;
  std::vector<std::pair<Address, Message>> sent;
};

constexpr TimerId kTimer = 9;

// A path of about 300 bytes, distinct for each i.
std::string LongPath(size_t i) {
  return "d/" + std::string(150, 'a') + "/" + std::string(140, 'b') + std::to_string(i);
}

// Adds `count` items made by `make(i)` to batches like `header`, flushes,
// and checks that they came out in order, split under the bound.
template <typename B, typename Item, typename Make>
void CheckSplit(const B& header, std::vector<Item> B::*field, size_t count, Make make) {
  SendingEnv env;
  Outbox outbox(&env, kTimer);
  for (size_t i = 0; i < count; ++i) outbox.Add("peer", header, field, make(i));
  BOOST_TEST(env.armed.count(kTimer) == 1u);
  BOOST_TEST(outbox.OnTimer(kTimer));
  BOOST_TEST(outbox.empty());
  size_t seen = 0;
  for (const auto& [to, message] : env.sent) {
    BOOST_TEST(to == "peer");
    const B* batch = std::get_if<B>(&message);
    BOOST_TEST_REQUIRE(batch != nullptr);
    BOOST_TEST(WireSize(*batch) <= kMaxBatchBytes + kMaxItemBytes);
    BOOST_TEST(Encode(message).ok());
    for (const Item& item : (*batch).*field) {
      BOOST_TEST((WireSize(item) == WireSize(make(seen))),
                 "item " << seen << " in order");
      ++seen;
    }
  }
  BOOST_TEST(seen == count);
  BOOST_TEST(env.sent.size() >= 3u, MessageName(env.sent.front().second) << " split");
}

BOOST_AUTO_TEST_SUITE(outbox)

BOOST_AUTO_TEST_CASE(every_bulk_message_is_split_under_the_bound) {
  const size_t n = 12000;  // about 3.5 MiB of 300-byte items
  Digest d;
  CheckSplit(Changes{"n1", {}}, &Changes::items, n,
             [&](size_t i) { return Change{i, LongPath(i), 0, d, 1, 0, {}}; });
  CheckSplit(Haves{"n1", {}}, &Haves::items, n, [&](size_t i) {
    return Holding{LongPath(i), 1, d, 1, {}};
  });
  CheckSplit(Dropped{"n1", {}}, &Dropped::paths, n,
             [&](size_t i) { return LongPath(i); });
  CheckSplit(WhoHas{"n1", {}}, &WhoHas::items, n, [&](size_t i) {
    return VersionRef{LongPath(i), 1};
  });
  CheckSplit(HoldingsList{"n1", {}, false}, &HoldingsList::items, n, [&](size_t i) {
    return Holding{LongPath(i), 1, d, 1, {}};
  });
  CheckSplit(EntryUpdates{1, {}}, &EntryUpdates::entries, n, [&](size_t i) {
    return CatalogEntry{LongPath(i), 1, d, 1, false, "n1", 0, {}, 0, i + 1};
  });
  CheckSplit(ChangeAcks{}, &ChangeAcks::items, n,
             [&](size_t i) { return ChangeAck{i, LongPath(i), d, true, 1, "", 0}; });
  CheckSplit(Holders{}, &Holders::items, n, [&](size_t i) {
    return HolderList{LongPath(i), 1, {Peer{"n2", "127.0.0.1:1"}}};
  });
  CheckSplit(Fetch{}, &Fetch::items, n,
             [&](size_t i) { return FetchItem{i, LongPath(i), 1, d, 0, 4096}; });
  CheckSplit(Chunks{}, &Chunks::items, 12, [&](size_t i) {
    return ChunkData{i, 0, std::string(kChunkBytes, 'c')};
  });
  CheckSplit(Chunks{}, &Chunks::failed, n, [&](size_t i) {
    return FetchFailure{i, LongPath(i)};
  });
}

BOOST_AUTO_TEST_CASE(order_per_peer_is_kept) {
  SendingEnv env;
  Outbox outbox(&env, kTimer);
  outbox.Add("master", Haves{"n1", {}}, Holding{"a", 1, {}, 1, {}});
  outbox.Send("master", Heartbeat{"n1"});
  outbox.Add("master", Haves{"n1", {}}, Holding{"b", 1, {}, 1, {}});
  outbox.Add("other", Fetch{}, FetchItem{1, "c", 1, {}, 0, 1});
  outbox.Add("master", Haves{"n1", {}}, Holding{"c", 1, {}, 1, {}});
  outbox.Flush();
  BOOST_TEST(env.armed.empty());
  BOOST_TEST_REQUIRE(env.sent.size() == 4u);
  // Per peer: the Haves before the heartbeat, the heartbeat, then one Haves
  // with both later items; the other peer's message is its own.
  BOOST_TEST(std::get<Haves>(env.sent[0].second).items.size() == 1u);
  BOOST_TEST(std::holds_alternative<Heartbeat>(env.sent[1].second));
  BOOST_TEST(std::get<Haves>(env.sent[2].second).items.size() == 2u);
  BOOST_TEST(env.sent[3].first == "other");
}

BOOST_AUTO_TEST_CASE(notices_linger_after_a_flush_and_requests_do_not) {
  SendingEnv env;
  Outbox outbox(&env, kTimer);
  const Digest d;
  const auto change = [&](uint64_t id) { return Change{id, "a", 0, d, 1, 0, {}}; };
  outbox.Add("master", Changes{"n1", {}}, change(1));
  BOOST_TEST((env.delays[kTimer] == Duration{0}),
             "a change after a quiet spell goes at once");
  BOOST_TEST(outbox.OnTimer(kTimer));

  env.now += std::chrono::milliseconds(1);
  outbox.Add("master", Changes{"n1", {}}, change(2));
  outbox.Add("master", Changes{"n1", {}}, change(3));
  BOOST_TEST((env.delays[kTimer] == kOutboxLinger - std::chrono::milliseconds(1)),
             "the next changes wait out the linger, together");
  outbox.Add("peer", Fetch{}, FetchItem{});
  BOOST_TEST((env.delays[kTimer] == Duration{0}), "a request does not wait");
  BOOST_TEST(outbox.OnTimer(kTimer));
  BOOST_TEST(env.sent.size() == 3u);  // change 1; changes 2 and 3; the fetch

  env.now += kOutboxLinger;
  outbox.Add("master", Changes{"n1", {}}, change(4));
  BOOST_TEST((env.delays[kTimer] == Duration{0}), "quiet again: at once");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dds
