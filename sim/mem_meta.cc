// The in-memory MetaStore; see mem_meta.h.
#include "sim/mem_meta.h"

namespace dds::sim {

Status MemMetaStore::Put(std::string_view key, std::string_view value) {
  entries_.insert_or_assign(std::string(key), std::string(value));
  return Status::Ok();
}

Status MemMetaStore::Delete(std::string_view key) {
  auto it = entries_.find(key);
  if (it != entries_.end()) entries_.erase(it);
  return Status::Ok();
}

Status MemMetaStore::Scan(std::string_view prefix,
                          std::vector<std::pair<std::string, std::string>>* out) {
  out->clear();
  for (auto it = entries_.lower_bound(prefix);
       it != entries_.end() && std::string_view(it->first).starts_with(prefix); ++it) {
    out->emplace_back(it->first, it->second);
  }
  return Status::Ok();
}

}  // namespace dds::sim
