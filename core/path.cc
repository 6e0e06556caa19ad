// Path validation (rules in path.h).
#include "core/path.h"

#include <string>

namespace dds {
namespace {

Status Invalid(std::string_view path, std::string_view why) {
  std::string shown(path.substr(0, 80));
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  }
  return Status::InvalidArgument("path \"" + shown + "\": " + std::string(why));
}

Status ValidateComponent(std::string_view path, std::string_view component) {
  if (component.empty()) return Invalid(path, "empty component");
  if (component == "." || component == "..")
    return Invalid(path, "'.' or '..' component");
  if (component.size() > kMaxComponentBytes) return Invalid(path, "component too long");
  if (component.starts_with(kReservedPrefix)) {
    return Invalid(path, "names starting with .dds are reserved");
  }
  for (unsigned char c : component) {
    if (c < 0x20 || c == 0x7f) return Invalid(path, "control character or NUL");
    if (c == '\\') return Invalid(path, "backslash");
  }
  return Status::Ok();
}

}  // namespace

Status ValidatePath(std::string_view path) {
  if (path.empty()) return Invalid(path, "empty");
  if (path.size() > kMaxPathBytes) return Invalid(path, "longer than 1024 bytes");
  if (path.front() == '/') return Invalid(path, "absolute");
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    Status s = ValidateComponent(path, path.substr(start, end - start));
    if (!s.ok()) return s;
    start = end + 1;
  }
  return Status::Ok();
}

bool ValidNodeName(std::string_view name) {
  return ValidatePath(name).ok() && name.find('/') == std::string_view::npos;
}

}  // namespace dds
