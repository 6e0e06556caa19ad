// Durable records in a MetaStore: decoding every record under a key prefix,
// skipping (with a note) the ones that do not decode or that the caller
// refuses, so a damaged record never stops a process from starting.
#pragma once

#include <string>
#include <string_view>

#include "core/env.h"
#include "core/wire.h"

namespace dds {

// Hands every record under `prefix`, decoded as T, with the rest of its key,
// to `take`, which returns false to refuse it.
template <typename T, typename Take>
void LoadRecords(Env* env, std::string_view prefix, Take take) {
  size_t skipped = 0;
  std::string first_skipped;
  Status s = env->Meta().Scan(prefix, [&](std::string_view key, std::string_view value) {
    Result<T> record = DecodeRecord<T>(value);
    if (record.ok() && take(key.substr(prefix.size()), *record)) return;
    if (skipped++ == 0) first_skipped = std::string(key);
  });
  if (!s.ok()) env->Note("cannot read " + std::string(prefix) + ": " + s.ToString());
  if (skipped > 0) {
    env->Note("skipping " + std::to_string(skipped) + " unreadable record(s) under " +
              std::string(prefix) + " (first: " + first_skipped + ")");
  }
}

}  // namespace dds
