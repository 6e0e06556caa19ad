// Log lines to stderr; see log.h.
#include "runtime/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <utility>

namespace dds {
namespace {

std::string& Label() {
  static std::string label = "dds";
  return label;
}

// "2024-05-01T12:00:00.123Z": wall time, because log lines are read by people.
std::string Timestamp() {
  using std::chrono::system_clock;
  const auto now = system_clock::now();
  const std::time_t secs = system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch())
          .count() %
      1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis));
  return buf;
}

// One fwrite per line so lines from concurrent processes do not interleave.
void WriteLine(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

void SetLogLabel(std::string label) { Label() = std::move(label); }
const std::string& LogLabel() { return Label(); }

void Log(std::string_view text) {
  WriteLine(Timestamp() + " " + Label() + ": " + std::string(text) + "\n");
}

void LogBound(std::string_view what, std::string_view where) {
  WriteLine(Label() + ": " + std::string(what) + " " + std::string(where) + "\n");
}

}  // namespace dds
