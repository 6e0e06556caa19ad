// Which paths dds leaves alone: the cluster's ignore patterns, in a
// gitignore-like syntax, compiled once and matched against relative paths.
//
// The syntax, one pattern each:
//  * `*`, `?` and `[...]` match within one path component (glibc's
//    fnmatch(3) does the globbing, so `\` escapes a character);
//  * a pattern with no slash matches a component at any depth: `*.tmp`
//    ignores `a.tmp` and `x/y/a.tmp`; one with a slash (leading or inside)
//    is anchored at the data directory: `/build` or `logs/*.gz`;
//  * `**` as a whole component matches any number of components;
//  * a trailing `/` matches directories only;
//  * a leading `!` re-includes what an earlier pattern ignored (the last
//    pattern that matches decides), except below an ignored directory;
//  * a leading `#` would be a comment in a .gitignore, so it is refused
//    here: `\#` matches a literal `#`.
// A path is ignored if it, or a directory above it, is.
//
// Cost: matching is O(components x patterns) calls of fnmatch; patterns are
// few and bounded (kMaxPatterns, kMaxPatternBytes).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace dds {

class IgnoreFilter {
 public:
  static constexpr size_t kMaxPatterns = 256;
  static constexpr size_t kMaxPatternBytes = 256;

  // The patterns a new cluster starts with: the scratch files of common
  // writers (rsync, vim, emacs, browsers and downloaders).
  static const std::vector<std::string>& Defaults();
  // Ok if `pattern` is one dds accepts; otherwise why not.
  static Status CheckPattern(std::string_view pattern);

  // Compiles `patterns`; one that CheckPattern refuses is skipped.
  explicit IgnoreFilter(const std::vector<std::string>& patterns);

  bool Ignored(std::string_view path) const;

 private:
  struct Rule {
    std::vector<std::string> components;  // "**" stands for any number
    bool negated = false;
    bool directories_only = false;
    bool anchored = false;
    // Anchored, and its first component has no wildcard: a path whose first
    // component differs cannot match (most anchored patterns are "dir/...").
    bool literal_first = false;
  };
  static Rule Compile(std::string_view pattern);
  // The verdict of the rules on one prefix of a path (its first `length`
  // components), which is a directory unless it is the whole path.
  bool IgnoredPrefix(const std::vector<std::string_view>& components, size_t length,
                     bool directory) const;
  static bool Matches(const Rule& rule, const std::vector<std::string_view>& components,
                      size_t length, bool directory);

  std::vector<Rule> rules_;
};

}  // namespace dds
