// Request targets under /data/: percent-decoding and validation.
//
// Every path from a URL is decoded first and then checked with
// dds::ValidatePath, so "..", "%2e%2e", absolute paths, NUL and overlong
// paths are all refused before anything touches a disk. An encoded '/'
// ("%2f") is refused outright: a file name cannot contain one.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace dds::http {

inline constexpr std::string_view kDataPrefix = "/data/";

struct DataTarget {
  // Decoded and validated; empty for the root directory "/data/".
  std::string path;
  // The target named a directory ("/data/", "/data/a/b/").
  bool directory = false;
  // Raw query string, without '?'.
  std::string query;
};

// REQUIRES: `target` starts with "/data" (the router checked). InvalidArgument
// for bad escapes, encoded '/' or a path ValidatePath refuses.
Result<DataTarget> ParseDataTarget(std::string_view target);

// The percent-decoded value of the first `name=value` in a query string
// ("a=b&c=d", no '?'): nothing if the name is absent, "" for a bare name,
// InvalidArgument for a bad escape.
Result<std::optional<std::string>> QueryParam(std::string_view query,
                                              std::string_view name);

// `path` with every byte outside [A-Za-z0-9-._~/] percent-encoded, for
// Location headers and links.
std::string PercentEncodePath(std::string_view path);

}  // namespace dds::http
