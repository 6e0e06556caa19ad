// The base URL of an HTTP front end: "http://HOST:PORT" or
// "https://HOST:PORT". Nodes register theirs with the master, which builds
// redirects from it; the client verbs take the master's.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace dds::http {

struct BaseUrl {
  bool https = false;
  std::string address;  // "host:port", as runtime/address.h parses it

  std::string scheme() const { return https ? "https" : "http"; }
  std::string ToString() const { return scheme() + "://" + address; }
};

// Parses "http://HOST:PORT" or "https://HOST:PORT" (an optional trailing '/'
// allowed); anything else is InvalidArgument with one line naming the URL.
Result<BaseUrl> ParseBaseUrl(std::string_view url);

}  // namespace dds::http
