// The ignore patterns (syntax in ignore_filter.h).
#include "core/ignore_filter.h"

#include <fnmatch.h>

namespace dds {
namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t slash; (slash = path.find('/', start)) != std::string_view::npos;
       start = slash + 1) {
    parts.push_back(path.substr(start, slash - start));
  }
  parts.push_back(path.substr(start));
  return parts;
}

bool GlobMatches(const std::string& pattern, std::string_view component) {
  const std::string name(component);
  return ::fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
}

// Whether the pattern's components match exactly the path's first `length`
// components, `**` standing for any number of them: a table over (pattern
// position, path position), so no pattern can make it exponential.
bool ComponentsMatch(const std::vector<std::string>& pattern,
                     const std::vector<std::string_view>& path, size_t length) {
  // reach[j]: the pattern's first i components can match the path's first j.
  std::vector<bool> reach(length + 1, false);
  reach[0] = true;
  for (const std::string& part : pattern) {
    std::vector<bool> next(length + 1, false);
    for (size_t j = 0; j <= length; ++j) {
      if (part == "**") {
        next[j] = reach[j] || (j > 0 && next[j - 1]);
      } else {
        next[j] = j > 0 && reach[j - 1] && GlobMatches(part, path[j - 1]);
      }
    }
    reach = std::move(next);
  }
  return reach[length];
}

}  // namespace

const std::vector<std::string>& IgnoreFilter::Defaults() {
  static const std::vector<std::string> kDefaults = {
      ".*.??????",                                        // rsync: .NAME.XXXXXX
      ".*.swp",    ".*.swo",    ".*.swx",                 // vim
      "\\#*#",     ".#*",                                 // emacs: auto-save, lock
      "*~",                                               // backups
      "*.part",    "*.partial", "*.crdownload", "*.tmp",  // downloads
  };
  return kDefaults;
}

Status IgnoreFilter::CheckPattern(std::string_view pattern) {
  auto refuse = [&](std::string_view why) {
    return Status::InvalidArgument("ignore pattern: " + std::string(why));
  };
  if (pattern.size() > kMaxPatternBytes) return refuse("longer than 256 bytes");
  for (unsigned char c : pattern) {
    if (c < 0x20 || c == 0x7f) return refuse("control character");
  }
  if (pattern.starts_with('#'))
    return refuse("a leading # is a comment; write \\# to match a #");
  std::string_view body = pattern.starts_with('!') ? pattern.substr(1) : pattern;
  if (body.ends_with('/')) body.remove_suffix(1);
  if (body.starts_with('/')) body.remove_prefix(1);
  if (body.empty()) return refuse("empty");
  for (std::string_view part : Split(body)) {
    if (part.empty()) return refuse("empty component (//)");
    if (part == "." || part == "..") return refuse("'.' or '..' component");
  }
  return Status::Ok();
}

IgnoreFilter::IgnoreFilter(const std::vector<std::string>& patterns) {
  for (const std::string& pattern : patterns) {
    if (CheckPattern(pattern).ok()) rules_.push_back(Compile(pattern));
  }
}

IgnoreFilter::Rule IgnoreFilter::Compile(std::string_view pattern) {
  Rule rule;
  if (pattern.starts_with('!')) {
    rule.negated = true;
    pattern.remove_prefix(1);
  }
  if (pattern.ends_with('/')) {
    rule.directories_only = true;
    pattern.remove_suffix(1);
  }
  if (pattern.starts_with('/')) {
    rule.anchored = true;
    pattern.remove_prefix(1);
  }
  for (std::string_view part : Split(pattern)) rule.components.emplace_back(part);
  if (rule.components.size() > 1) rule.anchored = true;
  rule.literal_first = rule.anchored && rule.components.front().find_first_of("*?[\\") ==
                                            std::string::npos;
  return rule;
}

bool IgnoreFilter::Ignored(std::string_view path) const {
  if (rules_.empty()) return false;
  const std::vector<std::string_view> components = Split(path);
  // Top down: below an ignored directory nothing can be re-included.
  for (size_t length = 1; length < components.size(); ++length) {
    if (IgnoredPrefix(components, length, /*directory=*/true)) return true;
  }
  return IgnoredPrefix(components, components.size(), /*directory=*/false);
}

bool IgnoreFilter::IgnoredPrefix(const std::vector<std::string_view>& components,
                                 size_t length, bool directory) const {
  bool ignored = false;
  for (const Rule& rule : rules_) {
    if (ignored != rule.negated) continue;  // Could not change the verdict.
    if (Matches(rule, components, length, directory)) ignored = !rule.negated;
  }
  return ignored;
}

bool IgnoreFilter::Matches(const Rule& rule,
                           const std::vector<std::string_view>& components, size_t length,
                           bool directory) {
  if (rule.directories_only && !directory) return false;
  if (rule.literal_first && components.front() != rule.components.front()) return false;
  if (rule.anchored) return ComponentsMatch(rule.components, components, length);
  return GlobMatches(rule.components.front(), components[length - 1]);
}

}  // namespace dds
