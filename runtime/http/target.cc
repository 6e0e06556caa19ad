// Target decoding and validation (rules in target.h).
#include "runtime/http/target.h"

#include <cctype>

#include "core/path.h"

namespace dds::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A path in a URL may not hide a '/' in an escape; a query value may.
Result<std::string> PercentDecode(std::string_view text, bool allow_slash = false) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int high = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
    const int low = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
    if (high < 0 || low < 0)
      return Status::InvalidArgument("bad percent-escape in target");
    const char decoded = static_cast<char>(high * 16 + low);
    if (decoded == '/' && !allow_slash)
      return Status::InvalidArgument("encoded '/' in target");
    out += decoded;
    i += 2;
  }
  return out;
}

}  // namespace

Result<DataTarget> ParseDataTarget(std::string_view target) {
  DataTarget parsed;
  const size_t question = target.find('?');
  if (question != std::string_view::npos) {
    parsed.query = std::string(target.substr(question + 1));
    target = target.substr(0, question);
  }
  if (target == kDataPrefix.substr(0, kDataPrefix.size() - 1)) target = kDataPrefix;
  if (!target.starts_with(kDataPrefix))
    return Status::InvalidArgument("not under /data/");
  Result<std::string> decoded = PercentDecode(target.substr(kDataPrefix.size()));
  if (!decoded.ok()) return decoded.status();
  parsed.path = std::move(decoded.value());
  parsed.directory = parsed.path.empty() || parsed.path.back() == '/';
  if (parsed.directory && !parsed.path.empty()) parsed.path.pop_back();
  if (parsed.path.empty()) return parsed;
  Status valid = ValidatePath(parsed.path);
  if (!valid.ok()) return valid;
  return parsed;
}

std::string PercentEncodePath(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

Result<std::optional<std::string>> QueryParam(std::string_view query,
                                              std::string_view name) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const size_t equals = pair.find('=');
    if (pair.substr(0, equals) == name) {
      if (equals == std::string_view::npos) return std::optional<std::string>("");
      Result<std::string> value = PercentDecode(pair.substr(equals + 1), true);
      if (!value.ok()) return value.status();
      return std::optional<std::string>(std::move(value).value());
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::optional<std::string>();
}

}  // namespace dds::http
