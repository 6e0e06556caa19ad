// Fault coverage (see coverage.h).
#include "sim/coverage.h"

#include <charconv>

namespace dds::sim {
namespace {

void AddAll(const std::map<std::string, uint64_t>& from,
            std::map<std::string, uint64_t>* to) {
  for (const auto& [kind, count] : from) (*to)[kind] += count;
}

std::string Listed(const std::map<std::string, uint64_t>& counts) {
  std::string text;
  for (const auto& [kind, count] : counts) {
    if (count == 0) continue;
    text += (text.empty() ? "" : ", ") + kind + " " + std::to_string(count);
  }
  return text.empty() ? "none" : text;
}

}  // namespace

void Coverage::Add(const Coverage& other) {
  asked.insert(other.asked.begin(), other.asked.end());
  AddAll(other.fired, &fired);
  AddAll(other.moments, &moments);
}

std::string Coverage::Serialize() const {
  std::string text;
  for (const std::string& kind : asked) text += "a " + kind + "\n";
  for (const auto& [kind, count] : fired)
    text += "f " + kind + "=" + std::to_string(count) + "\n";
  for (const auto& [name, count] : moments)
    text += "m " + name + "=" + std::to_string(count) + "\n";
  return text;
}

Coverage Coverage::Parse(std::string_view text) {
  Coverage coverage;
  while (!text.empty()) {
    const size_t end = std::min(text.find('\n'), text.size());
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    if (line.starts_with("a ")) {
      coverage.asked.insert(std::string(line.substr(2)));
      continue;
    }
    const size_t equals = line.rfind('=');
    if (line.size() < 2 || equals == std::string_view::npos || equals < 2) continue;
    uint64_t count = 0;
    std::from_chars(line.data() + equals + 1, line.data() + line.size(), count);
    auto& counts = line[0] == 'f' ? coverage.fired : coverage.moments;
    counts[std::string(line.substr(2, equals - 2))] += count;
  }
  return coverage;
}

std::set<std::string> AskedKinds(const Scenario& scenario,
                                 const std::vector<Action>& plan) {
  std::set<std::string> asked;
  for (const Action& action : plan) asked.insert(ActionName(action.kind));
  if (scenario.network.loss > 0) asked.insert("loss");
  return asked;
}

std::vector<std::string> Unfired(const Coverage& coverage) {
  std::vector<std::string> unfired;
  for (const std::string& kind : coverage.asked) {
    auto it = coverage.fired.find(kind);
    if (it == coverage.fired.end() || it->second == 0) unfired.push_back(kind);
  }
  return unfired;
}

std::string FormatUnfired(const Coverage& coverage) {
  std::string kinds;
  for (const std::string& kind : Unfired(coverage))
    kinds += (kinds.empty() ? "" : ", ") + kind;
  return kinds;
}

std::string FormatCoverage(const Coverage& coverage) {
  return "fired: " + Listed(coverage.fired) + "; moments: " + Listed(coverage.moments);
}

}  // namespace dds::sim
