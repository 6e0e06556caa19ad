// Validation of file paths that come from outside: disks, peers, HTTP, TOML.
//
// A valid path is relative, uses '/' between components, and each component
// is a plain name: not empty, not "." or "..", no NUL or control characters,
// no backslash. Names starting with ".dds" are reserved for dds's own files
// (staging areas, state) and are never replicated.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/status.h"

namespace dds {

inline constexpr size_t kMaxPathBytes = 1024;
inline constexpr size_t kMaxComponentBytes = 255;
inline constexpr std::string_view kReservedPrefix = ".dds";

// OK, or InvalidArgument naming what is wrong with `path`.
Status ValidatePath(std::string_view path);

// A node's name: one valid path component (so it can sit in keys and
// conflict-copy names).
bool ValidNodeName(std::string_view name);

}  // namespace dds
