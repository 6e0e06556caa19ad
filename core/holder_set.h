// A set of node slots (small integers the master gives its nodes), as bits:
// which nodes hold one catalog entry's current version. Eight bytes for the
// first 64 nodes, more only for clusters larger than that, so the master's
// memory per file stays near constant as files grow.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace dds {

class HolderSet {
 public:
  HolderSet() = default;
  HolderSet(const HolderSet& other) : low_(other.low_) {
    if (other.high_) high_ = std::make_unique<std::vector<uint64_t>>(*other.high_);
  }
  HolderSet& operator=(const HolderSet& other) {
    if (this != &other) *this = HolderSet(other);
    return *this;
  }
  HolderSet(HolderSet&&) = default;
  HolderSet& operator=(HolderSet&&) = default;

  bool Contains(uint32_t slot) const {
    if (slot < 64) return (low_ >> slot) & 1;
    const size_t word = slot / 64 - 1;
    return high_ && word < high_->size() && (((*high_)[word] >> (slot % 64)) & 1);
  }
  // Returns true if the set changed.
  bool Insert(uint32_t slot) {
    if (Contains(slot)) return false;
    Word(slot) |= uint64_t{1} << (slot % 64);
    return true;
  }
  bool Erase(uint32_t slot) {
    if (!Contains(slot)) return false;
    Word(slot) &= ~(uint64_t{1} << (slot % 64));
    return true;
  }
  bool empty() const {
    if (low_ != 0) return false;
    if (high_) {
      for (uint64_t w : *high_) {
        if (w != 0) return false;
      }
    }
    return true;
  }
  // Calls fn(slot) for every member, in increasing order.
  template <typename Fn>
  void ForEach(Fn fn) const {
    EachBit(low_, 0, fn);
    if (!high_) return;
    for (size_t i = 0; i < high_->size(); ++i) EachBit((*high_)[i], 64 * (i + 1), fn);
  }

 private:
  template <typename Fn>
  static void EachBit(uint64_t word, uint32_t base, Fn& fn) {
    while (word != 0) {
      fn(base + static_cast<uint32_t>(__builtin_ctzll(word)));
      word &= word - 1;
    }
  }
  uint64_t& Word(uint32_t slot) {
    if (slot < 64) return low_;
    if (!high_) high_ = std::make_unique<std::vector<uint64_t>>();
    const size_t word = slot / 64 - 1;
    if (high_->size() <= word) high_->resize(word + 1);
    return (*high_)[word];
  }

  uint64_t low_ = 0;
  std::unique_ptr<std::vector<uint64_t>> high_;
};

}  // namespace dds
