// A process's durable key-value state (dds::MetaStore) in memory. It belongs
// to the simulated machine, so it outlives crashes of the process using it.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "core/env.h"

namespace dds::sim {

class MemMetaStore final : public MetaStore {
 public:
  Status Put(std::string_view key, std::string_view value) override;
  Status Delete(std::string_view key) override;
  Status Scan(std::string_view prefix,
              std::vector<std::pair<std::string, std::string>>* out) override;

 private:
  std::map<std::string, std::string, std::less<>> entries_;
};

}  // namespace dds::sim
