// Base URLs (see url.h).
#include "runtime/http/url.h"

#include "runtime/address.h"

namespace dds::http {

Result<BaseUrl> ParseBaseUrl(std::string_view url) {
  BaseUrl parsed;
  std::string_view rest = url;
  if (rest.starts_with("https://")) {
    parsed.https = true;
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    return Status::InvalidArgument("URL \"" + std::string(url) +
                                   "\" must start with http:// or https://");
  }
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.empty() || rest.find('/') != std::string_view::npos) {
    return Status::InvalidArgument("URL \"" + std::string(url) +
                                   "\" must be http(s)://HOST:PORT");
  }
  Result<HostPort> split = ParseHostPort(rest);
  if (!split.ok()) return split.status();
  parsed.address = std::string(rest);
  return parsed;
}

}  // namespace dds::http
