// Comparing two runs of a seed (see determinism.h).
#include "sim/determinism.h"

#include <algorithm>
#include <sstream>

#include "sim/runner.h"

namespace dds::sim {
namespace {

// Splits off the next line of `text` (without its '\n').
std::string_view NextLine(std::string_view& text) {
  const size_t end = std::min(text.find('\n'), text.size());
  std::string_view line = text.substr(0, end);
  text.remove_prefix(std::min(end + 1, text.size()));
  return line;
}

std::string Traced(const Scenario& scenario, uint64_t seed) {
  std::ostringstream trace;
  RunOptions options;
  options.seed = seed;
  options.trace = &trace;
  RunScenario(scenario, options);
  return std::move(trace).str();
}

}  // namespace

std::optional<TraceDifference> FirstDifference(std::string_view a, std::string_view b) {
  if (a == b) return std::nullopt;
  for (uint64_t line = 1;; ++line) {
    const bool a_ended = a.empty(), b_ended = b.empty();
    const std::string_view left = NextLine(a), right = NextLine(b);
    if (a_ended || b_ended || left != right) {
      return TraceDifference{line, a_ended ? "<end>" : std::string(left),
                             b_ended ? "<end>" : std::string(right)};
    }
  }
}

DeterminismCheck CheckDeterminism(const Scenario& scenario, uint64_t seed) {
  const std::string first = Traced(scenario, seed);
  const std::string second = Traced(scenario, seed);
  return {static_cast<uint64_t>(std::count(first.begin(), first.end(), '\n')),
          FirstDifference(first, second)};
}

std::string DescribeCheck(uint64_t seed, const DeterminismCheck& check) {
  const std::string head = "seed " + std::to_string(seed) + ": ";
  if (!check.difference) {
    return head + "deterministic (" + std::to_string(check.trace_lines) +
           " trace lines)\n";
  }
  const TraceDifference& d = *check.difference;
  return head + "NOT deterministic: the traces differ at line " + std::to_string(d.line) +
         "\n  first run:  " + d.first + "\n  second run: " + d.second + "\n";
}

}  // namespace dds::sim
