// The in-memory MetaStore; see mem_meta.h.
#include "sim/mem_meta.h"

#include "core/check.h"

namespace dds::sim {

std::pair<std::string_view, std::string_view> MemMetaStore::Split(std::string_view key) {
  size_t slash = key.find('/');
  size_t cut = slash == std::string_view::npos ? key.size() : slash + 1;
  return {key.substr(0, cut), key.substr(cut)};
}

void MemMetaStore::Remember(std::string_view key) {
  if (!on_begin_) return;
  if (!in_transaction_) {
    in_transaction_ = true;
    on_begin_();
  }
  std::string before;
  undo_.push_back({std::string(key), Get(key, &before).ok()
                                         ? std::optional<std::string>(std::move(before))
                                         : std::nullopt});
}

MetaWrites MemMetaStore::Pending() {
  MetaWrites writes;
  for (const Undo& undo : undo_) {
    if (writes.contains(undo.key)) continue;
    std::string value;
    writes.emplace(undo.key, Get(undo.key, &value).ok()
                                 ? std::optional<std::string>(std::move(value))
                                 : std::nullopt);
  }
  return writes;
}

void MemMetaStore::CopyCommitted(const MemMetaStore& other) {
  DDS_CHECK(!on_begin_);
  heads_ = other.heads_;
  undo_.clear();
  in_transaction_ = false;
  for (auto it = other.undo_.rbegin(); it != other.undo_.rend(); ++it) {
    if (it->before) {
      Put(it->key, *it->before);
    } else {
      Delete(it->key);
    }
  }
}

void MemMetaStore::Commit() {
  undo_.clear();
  in_transaction_ = false;
}

void MemMetaStore::Rollback() {
  // Newest first, so that each key ends at its value before the first write.
  std::vector<Undo> undo = std::move(undo_);
  on_begin_ = nullptr;  // no transaction for the undoing itself
  for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
    if (it->before) {
      Put(it->key, *it->before);
    } else {
      Delete(it->key);
    }
  }
  undo_.clear();
  in_transaction_ = false;
}

Status MemMetaStore::Put(std::string_view key, std::string_view value) {
  Remember(key);
  auto [head, tail] = Split(key);
  auto group = heads_.find(head);
  if (group == heads_.end()) group = heads_.emplace(head, Tails{}).first;
  Tails& tails = group->second;
  auto it = tails.lower_bound(tail);
  if (it != tails.end() && it->first == tail) {
    it->second.assign(value);
  } else {
    tails.emplace_hint(it, tail, value);
  }
  return Status::Ok();
}

Status MemMetaStore::Delete(std::string_view key) {
  Remember(key);
  auto [head, tail] = Split(key);
  auto group = heads_.find(head);
  if (group == heads_.end()) return Status::Ok();
  auto it = group->second.find(tail);
  if (it != group->second.end()) group->second.erase(it);
  return Status::Ok();
}

Status MemMetaStore::Get(std::string_view key, std::string* value) {
  auto [head, tail] = Split(key);
  auto group = heads_.find(head);
  if (group == heads_.end()) return Status::NotFound(std::string(key));
  auto it = group->second.find(tail);
  if (it == group->second.end()) return Status::NotFound(std::string(key));
  *value = it->second;
  return Status::Ok();
}

Status MemMetaStore::Scan(std::string_view prefix, const Visitor& visit) {
  std::string key;
  for (const auto& [head, tails] : heads_) {
    // Either the head is within the prefix, and the rest of the prefix picks
    // tails, or the prefix ends within the head, which then matches whole.
    std::string_view rest;
    if (prefix.size() > head.size()) {
      if (!prefix.starts_with(head)) continue;
      rest = prefix.substr(head.size());
    } else if (!std::string_view(head).starts_with(prefix)) {
      continue;
    }
    for (auto it = tails.lower_bound(rest);
         it != tails.end() && std::string_view(it->first).starts_with(rest); ++it) {
      key.assign(head);
      key += it->first;
      visit(key, it->second);
    }
  }
  return Status::Ok();
}

}  // namespace dds::sim
