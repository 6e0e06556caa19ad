// Field-by-field binary encoding, driven by each struct's Tie() list.
//
// Used for protocol messages (core/codec.h) and durable records (catalog
// entries, a node's local index). Integers are little-endian fixed width,
// bool is one byte, strings and vectors are a u32 length then the content.
// Reading never trusts a length beyond the bytes actually left.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace dds {

class WireWriter {
 public:
  WireWriter() = default;
  // Starts with `front` zero bytes (room for the caller's header) and room
  // for `capacity` bytes in all, so a writer that knows its size never
  // reallocates.
  WireWriter(size_t front, size_t capacity) {
    out_.reserve(capacity);
    out_.resize(front);
  }
  void Put(bool v) { out_.push_back(v ? 1 : 0); }
  void Put(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void Put(uint64_t v) { PutFixed(v); }
  void Put(int64_t v) { PutFixed(static_cast<uint64_t>(v)); }
  void Put(const std::string& v) {
    PutLength(v.size());
    out_.append(v);
  }
  void Put(const Digest& v) {
    out_.append(reinterpret_cast<const char*>(v.bytes.data()), 32);
  }
  template <typename T>
  void Put(const std::vector<T>& v) {
    PutLength(v.size());
    for (const T& item : v) Put(item);
  }
  template <typename T>
  requires requires(const T& t) { T::Tie(t); }
  void Put(const T& record) {
    std::apply([this](const auto&... field) { (Put(field), ...); }, T::Tie(record));
  }

  std::string Take() { return std::move(out_); }

 private:
  void PutFixed(uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>(v >> (8 * i)));
  }
  void PutLength(size_t n) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>(n >> (8 * i)));
  }

  std::string out_;
};

// How many bytes WireWriter would write for a value, without writing them:
// batches (core/batch.h) measure items as they add them.
class WireSizer {
 public:
  void Put(bool) { size_ += 1; }
  void Put(uint8_t) { size_ += 1; }
  void Put(uint64_t) { size_ += 8; }
  void Put(int64_t) { size_ += 8; }
  void Put(const std::string& v) { size_ += 4 + v.size(); }
  void Put(const Digest&) { size_ += 32; }
  template <typename T>
  void Put(const std::vector<T>& v) {
    size_ += 4;
    if constexpr (std::is_same_v<T, Digest> || std::is_arithmetic_v<T>) {
      size_ += v.size() * (std::is_same_v<T, Digest> ? 32 : sizeof(T));
    } else {
      for (const T& item : v) Put(item);
    }
  }
  template <typename T>
  requires requires(const T& t) { T::Tie(t); }
  void Put(const T& record) {
    std::apply([this](const auto&... field) { (Put(field), ...); }, T::Tie(record));
  }
  uint64_t size() const { return size_; }

 private:
  uint64_t size_ = 0;
};

template <typename T>
uint64_t WireSize(const T& value) {
  WireSizer sizer;
  sizer.Put(value);
  return sizer.size();
}

class WireReader {
 public:
  explicit WireReader(std::string_view in) : in_(in) {}

  bool failed() const { return failed_; }
  bool at_end() const { return in_.empty(); }

  void Get(bool& v) {
    uint8_t b = 0;
    Get(b);
    if (b > 1) failed_ = true;
    v = b == 1;
  }
  void Get(uint8_t& v) {
    if (!Need(1)) return;
    v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
  }
  void Get(uint64_t& v) { v = GetFixed(8); }
  void Get(int64_t& v) { v = static_cast<int64_t>(GetFixed(8)); }
  void Get(std::string& v) {
    uint64_t n = GetFixed(4);
    if (!Need(n)) return;
    v.assign(in_.data(), n);
    in_.remove_prefix(n);
  }
  void Get(Digest& v) {
    if (!Need(32)) return;
    std::memcpy(v.bytes.data(), in_.data(), 32);
    in_.remove_prefix(32);
  }
  template <typename T>
  void Get(std::vector<T>& v) {
    uint64_t n = GetFixed(4);
    // Every element takes at least one byte, so a count beyond the bytes
    // left is a lie. Elements are appended as they decode, not allocated
    // up front: memory follows the bytes actually read (a CatalogEntry is
    // 168 bytes in memory and at least 85 on the wire), not the count a
    // peer claims (measured while writing fuzz/fuzz_frame: 8 MiB claiming 8 M
    // entries took 1.3 GB and 10 s to refuse).
    if (failed_ || n > in_.size()) {
      failed_ = true;
      return;
    }
    v.clear();
    for (uint64_t i = 0; i < n && !failed_; ++i) Get(v.emplace_back());
  }
  template <typename T>
  requires requires(T& t) { T::Tie(t); }
  void Get(T& record) {
    std::apply([this](auto&... field) { (Get(field), ...); }, T::Tie(record));
  }

 private:
  bool Need(uint64_t n) {
    if (failed_ || n > in_.size()) {
      failed_ = true;
      return false;
    }
    return true;
  }
  uint64_t GetFixed(int width) {
    if (!Need(width)) return 0;
    uint64_t v = 0;
    for (int i = 0; i < width; ++i) {
      v |= static_cast<uint64_t>(static_cast<uint8_t>(in_[i])) << (8 * i);
    }
    in_.remove_prefix(width);
    return v;
  }

  std::string_view in_;
  bool failed_ = false;
};

// A durable record (any struct with Tie()) to bytes and back.
template <typename T>
std::string EncodeRecord(const T& record) {
  WireWriter w;
  w.Put(record);
  return w.Take();
}

template <typename T>
Result<T> DecodeRecord(std::string_view bytes) {
  T record{};
  WireReader r(bytes);
  r.Get(record);
  if (r.failed() || !r.at_end()) return Status::Corruption("malformed record");
  return record;
}

}  // namespace dds
