// Everything a process sends goes through its Outbox, which batches: items
// bound for one destination (changes, acks, holdings, catalog entries,
// holder queries, chunk requests) travel together in one message of their
// batch type, closed at kMaxBatchBytes so no message grows past the bound.
// The outbox is flushed by a timer, so items queued by every callback that
// runs before it (a burst of file events, a page of catalog entries) share
// messages, and nothing waits longer than the event loop's turn, except
// notices: changes reported, catalog entries pushed, acks of changes,
// installs and losses (Changes, EntryUpdates, ChangeAcks, Haves, Dropped).
// Those go at once when the outbox has been quiet for kOutboxLinger, and
// otherwise wait until kOutboxLinger after the last flush: a lone change goes
// at once, and a stream of them (a file a millisecond) travels in batches of a
// linger's worth instead of a message each. Requests and their answers (a
// catalog page, holders, chunks) never wait: a pipeline of them would be held
// to one round per linger.
//
// Order per destination: a message sent on its own (Send) goes out after
// everything queued before it, and items queued after it go after it. Among
// batches, reports of state (changes, holdings, catalog entries, acks) keep
// their order with each other: an item joins its type's open batch only if
// no report of another type came after that batch. Queries and data
// (WhoHas, Holders, Fetch, Chunks) commute with everything but a Send: they
// join their open batch wherever it stands, so a stream of installs (Haves)
// interleaved with holder queries (WhoHas) still makes one message of each.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/codec.h"
#include "core/env.h"
#include "core/wire.h"

namespace dds {

inline constexpr Duration kOutboxLinger = std::chrono::milliseconds(5);

class Outbox {
 public:
  // `timer` is the process's timer id for flushing; the process passes it
  // back to OnTimer.
  Outbox(Env* env, TimerId timer) : env_(env), timer_(timer) {}
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Queues `message` for `to`, after what is queued already.
  void Send(const Address& to, Message message);

  // Appends `item` to the vector `field` of the open batch of type B for
  // `to`, or opens a new B copied from `header` if there is none or the
  // item would take it past kMaxBatchBytes. `header` carries B's other
  // fields (the sender's name, an epoch).
  template <typename B, typename Item>
  void Add(const Address& to, const B& header, std::vector<Item> B::*field, Item item) {
    Queue& q = queues_[to];
    const uint64_t item_bytes = WireSize(item);
    OpenBatch& slot = q.open[kMessageIndex<B>];
    if (!slot.open || (!Commutes<B>() && slot.position != q.last_report) ||
        slot.bytes + item_bytes > kMaxBatchBytes) {
      q.messages.push_back(header);
      slot = OpenBatch{true, q.messages.size() - 1, WireSize(header)};
      if (!Commutes<B>()) q.last_report = slot.position;
    }
    B& batch = std::get<B>(q.messages[slot.position]);
    (batch.*field).push_back(std::move(item));
    slot.bytes += item_bytes;
    Arm(Lingers<B>());
  }
  // The same, into B's `items`.
  template <typename B, typename Item>
  void Add(const Address& to, const B& header, Item item) {
    Add(to, header, &B::items, std::move(item));
  }

  // Sends everything queued, in order. Called when the flush timer fires
  // (OnTimer), and by a process that must send before its callback ends.
  void Flush();
  // True if `id` is the outbox's timer (then the timer has been handled).
  bool OnTimer(TimerId id);
  // Drops everything queued for `to` (the peer is gone).
  void Forget(const Address& to) { queues_.erase(to); }
  bool empty() const { return queues_.empty(); }

 private:
  // Queries and data: no state of the sender's is claimed by them.
  template <typename B>
  static constexpr bool Commutes() {
    return std::is_same_v<B, WhoHas> || std::is_same_v<B, Holders> ||
           std::is_same_v<B, Fetch> || std::is_same_v<B, Chunks>;
  }
  // Notices: nobody waits on one to send the next request.
  template <typename B>
  static constexpr bool Lingers() {
    return std::is_same_v<B, Changes> || std::is_same_v<B, EntryUpdates> ||
           std::is_same_v<B, ChangeAcks> || std::is_same_v<B, Haves> ||
           std::is_same_v<B, Dropped>;
  }
  struct OpenBatch {
    bool open = false;
    size_t position = 0;  // in Queue::messages
    uint64_t bytes = 0;   // its encoded size so far
  };
  struct Queue {
    std::vector<Message> messages;
    std::array<OpenBatch, std::variant_size_v<Message>> open;  // by type tag
    size_t last_report = SIZE_MAX;  // position of the last report batch
  };
  // Makes sure the flush timer fires by now (or, for a notice that may
  // linger, by kOutboxLinger after the last flush).
  void Arm(bool may_linger);

  Env* const env_;
  const TimerId timer_;
  std::map<Address, Queue> queues_;    // ordered: flushes are deterministic
  std::optional<Instant> due_;         // when the armed flush timer fires
  std::optional<Instant> last_flush_;  // when something was last sent
};

}  // namespace dds
