// Decision keys; see master_keys.h.
#include "core/master_keys.h"

#include <charconv>
#include <cstdio>

namespace dds {

std::string DecisionKey(std::string_view node, uint64_t id) {
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(id));
  return std::string(kDecisionKeyPrefix) + std::string(node) + "/" + hex;
}

std::optional<std::pair<std::string, uint64_t>> ParseDecisionKey(std::string_view rest) {
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  std::string_view hex = rest.substr(slash + 1);
  uint64_t id = 0;
  auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), id, 16);
  if (ec != std::errc() || end != hex.data() + hex.size() || hex.size() != 16)
    return std::nullopt;
  return std::make_pair(std::string(rest.substr(0, slash)), id);
}

}  // namespace dds
