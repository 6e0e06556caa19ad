// Key ranges of the ordered stores dds keeps its records in (SQLite, etcd),
// where every key starting with a prefix lies in [prefix, PrefixEnd(prefix)).
#pragma once

#include <string>
#include <string_view>

namespace dds {

// The smallest key greater than every key starting with `prefix`, or empty
// when there is none (`prefix` empty or all 0xff bytes).
inline std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last != 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return end;
}

}  // namespace dds
