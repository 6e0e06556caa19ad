// Refused names, counted and logged once (see refused_names.h).
#include "core/refused_names.h"

namespace dds {

bool RefusedNames::Found(std::string_view path) {
  if (in_pass_) Remember(pass_, pass_overflow_, path);
  if (known_.contains(path)) return false;
  const bool remembered = known_.size() < kRemembered;
  Remember(known_, known_overflow_, path);
  // Beyond the bound a name cannot be told from one already logged: quiet.
  return remembered;
}

void RefusedNames::PassBegins() {
  in_pass_ = true;
  pass_.clear();
  pass_overflow_ = 0;
}

void RefusedNames::PassEnds() {
  if (!in_pass_) return;
  in_pass_ = false;
  known_ = std::move(pass_);
  known_overflow_ = pass_overflow_;
  pass_.clear();
  pass_overflow_ = 0;
}

void RefusedNames::Remember(std::set<std::string, std::less<>>& names, uint64_t& overflow,
                            std::string_view path) {
  if (names.contains(path)) return;
  if (names.size() < kRemembered) {
    names.emplace(path);
  } else {
    ++overflow;
  }
}

}  // namespace dds
