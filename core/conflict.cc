// The conflict rule (see conflict.h).
#include "core/conflict.h"

#include <tuple>

namespace dds {

bool WinsConflict(const CatalogEntry& a, const CatalogEntry& b) {
  if (a.tombstone != b.tombstone) return a.tombstone;
  return std::tie(a.mtime, a.origin, a.hash) > std::tie(b.mtime, b.origin, b.hash);
}

std::string ConflictPath(const CatalogEntry& entry) {
  const std::string& path = entry.path;
  size_t slash = path.rfind('/');
  size_t name_start = slash == std::string::npos ? 0 : slash + 1;
  size_t dot = path.rfind('.');
  // A leading dot (".bashrc") is part of the name, not an extension.
  bool has_extension = dot != std::string::npos && dot > name_start;
  size_t stem_end = has_extension ? dot : path.size();
  return path.substr(0, stem_end) + ".conflict-" + entry.origin + "-" +
         entry.hash.ShortHex() + path.substr(stem_end);
}

}  // namespace dds
