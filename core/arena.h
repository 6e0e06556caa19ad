// Dense storage for what there is one of per file, so that a catalog of a
// million entries costs its entries and not the allocator's bookkeeping and
// the holes that short-lived allocations leave between them:
//  * PathArena keeps path bytes back to back in large blocks, never moved,
//    so a path is a string_view that lives as long as the arena;
//  * NodePool hands out the fixed-size nodes of a std::set from large
//    blocks, with a free list, for an allocator (PoolAllocator) that the set
//    takes as its allocator type.
// Neither gives memory back to the system until it is destroyed; a freed
// node is reused by the next one, and a path's bytes stay (paths of a
// catalog are never removed: tombstones keep them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace dds {

class PathArena {
 public:
  PathArena() = default;
  PathArena(const PathArena&) = delete;
  PathArena& operator=(const PathArena&) = delete;

  // A copy of `path` that lives as long as the arena.
  std::string_view Store(std::string_view path) {
    if (path.empty()) return {};
    if (used_ + path.size() > capacity_) {
      capacity_ = std::max(kBlockBytes, path.size());
      blocks_.push_back(std::make_unique<char[]>(capacity_));
      used_ = 0;
    }
    char* at = blocks_.back().get() + used_;
    std::memcpy(at, path.data(), path.size());
    used_ += path.size();
    bytes_ += path.size();
    return {at, path.size()};
  }
  uint64_t bytes() const { return bytes_; }

 private:
  static constexpr size_t kBlockBytes = 256 << 10;
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t used_ = 0;
  size_t capacity_ = 0;
  uint64_t bytes_ = 0;
};

// Fixed-size slots of `size` bytes, from blocks of many; freed slots are
// reused first.
class NodePool {
 public:
  explicit NodePool(size_t size) : size_(std::max(size, sizeof(void*))) {}
  NodePool(const NodePool&) = delete;
  NodePool& operator=(const NodePool&) = delete;

  size_t size() const { return size_; }
  void* Take() {
    if (free_ != nullptr) {
      void* slot = free_;
      std::memcpy(&free_, slot, sizeof(void*));
      return slot;
    }
    if (next_ == kSlotsPerBlock || blocks_.empty()) {
      blocks_.push_back(std::make_unique<std::byte[]>(size_ * kSlotsPerBlock));
      next_ = 0;
    }
    return blocks_.back().get() + size_ * next_++;
  }
  void Give(void* slot) {
    std::memcpy(slot, &free_, sizeof(void*));
    free_ = slot;
  }

 private:
  static constexpr size_t kSlotsPerBlock = 4096;
  const size_t size_;
  std::vector<std::unique_ptr<std::byte[]>> blocks_;
  size_t next_ = kSlotsPerBlock;
  void* free_ = nullptr;
};

// A std::allocator for node-based containers (std::set, std::map): single
// objects come from a NodePool sized for them; anything else from the heap.
// Copies share the pool, which lives as long as the longest of them.
template <typename T>
class PoolAllocator {
 public:
  using value_type = T;

  PoolAllocator() : pool_(std::make_shared<NodePool>(RoundedSize())) {}
  template <typename U>
  PoolAllocator(const PoolAllocator<U>& other)  // NOLINT: rebinding, as allocators do
      : pool_(other.pool_->size() == RoundedSize()
                  ? other.pool_
                  : std::make_shared<NodePool>(RoundedSize())) {}

  T* allocate(size_t n) {
    if (n == 1) return static_cast<T*>(pool_->Take());
    return std::allocator<T>().allocate(n);
  }
  void deallocate(T* p, size_t n) {
    if (n == 1) {
      pool_->Give(p);
    } else {
      std::allocator<T>().deallocate(p, n);
    }
  }
  template <typename U>
  bool operator==(const PoolAllocator<U>& other) const {
    return pool_ == other.pool_;
  }

 private:
  template <typename U>
  friend class PoolAllocator;
  static constexpr size_t RoundedSize() {
    return (sizeof(T) + alignof(std::max_align_t) - 1) / alignof(std::max_align_t) *
           alignof(std::max_align_t);
  }
  std::shared_ptr<NodePool> pool_;
};

}  // namespace dds
