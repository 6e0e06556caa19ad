// ddsim's verdicts; see report.h.
#include "tools/ddsim/report.h"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <vector>

#include "sim/units.h"

namespace dds::sim {
namespace {

// A JSON string literal (quotes, backslashes and control characters escaped).
std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      std::array<char, 8> buf{};
      std::snprintf(buf.data(), buf.size(), "\\u%04x", c);
      out += buf.data();
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string JsonCounts(const std::map<std::string, uint64_t>& counts) {
  std::string out = "{";
  for (const auto& [name, count] : counts) {
    if (out.size() > 1) out += ",";
    out += Quoted(name) + ":" + std::to_string(count);
  }
  return out + "}";
}

std::string Convergence(const RunResult& r) {
  if (!r.convergence) return "did not converge";
  return "converged " + FormatSeconds(*r.convergence) + " after the last action (at " +
         FormatSeconds(r.last_action) + ")";
}

}  // namespace

std::string OutputPathProblem(const std::string& path) {
  std::error_code ec;
  const bool existed = std::filesystem::exists(path, ec);
  if (std::filesystem::is_directory(path, ec)) return "it is a directory";
  {
    // Appending changes nothing in a file that exists.
    std::ofstream probe(path, std::ios::app);
    if (!probe) return std::strerror(errno);
  }
  if (!existed) std::filesystem::remove(path, ec);
  return {};
}

bool WriteReportFile(const std::string& path, const RunRecord& record,
                     const RunResult& result, const ReportInfo& info, std::ostream& say) {
  std::ofstream out(path, std::ios::trunc);
  WriteHtmlReport(out, record, result, info);
  out.close();
  if (!out) {
    std::cerr << "ddsim: --report: cannot write " << path << ": " << std::strerror(errno)
              << "\n";
    return false;
  }
  say << "report: " << path << "\n";
  return true;
}

void SayNoReport(const std::string& path, std::ostream& say) {
  if (!path.empty()) say << "report: none written to " << path << ", every seed held\n";
}

std::string ReproduceCommand(const std::string& scenario_file, const RunResult& result) {
  return "ddsim " + scenario_file + " --seed " + std::to_string(result.seed);
}

void PrintVerdict(std::ostream& out, const std::string& reproduce, const RunResult& r) {
  if (r.ok()) {
    out << "verdict: all invariants held (Safety, Durability, Liveness), seed " << r.seed
        << "\n";
  } else {
    out << "verdict: " << r.violation->invariant << " FAILED at "
        << FormatSeconds(r.violation->at) << ", seed " << r.seed << ": "
        << r.violation->why << "\n";
  }
  out << "  " << Convergence(r) << "; " << r.live_files << " live files, "
      << r.catalog_entries << " catalog entries, " << r.orphans << " orphaned, "
      << r.lost_to_faults << " lost to faults, " << r.publish_window_crashes
      << " crashes in a publish window\n"
      << "  " << r.events << " events, " << r.messages << " messages (" << r.bytes
      << " bytes), " << r.reads << " reads checked; trace " << r.trace_lines
      << " lines, digest " << Hex64(r.trace_digest) << "\n"
      << "  " << FormatCoverage(r.coverage) << "\n";
  if (!r.ok()) out << "reproduce: " << reproduce << "\n";
}

int ReportCoverage(std::ostream& out, const Coverage& coverage,
                   const std::string& scope) {
  const std::vector<std::string> unfired = Unfired(coverage);
  if (unfired.empty()) return 0;
  const bool one = unfired.size() == 1;
  out << "coverage: " << scope << " asked for " << FormatUnfired(coverage) << " but "
      << (one ? "it never fired, so nothing of it was"
              : "they never fired, so nothing of them was")
      << " tested (" << FormatCoverage(coverage) << ")\n";
  return kExitUnfired;
}

void PrintSweepLine(std::ostream& out, const RunResult& r) {
  out << "seed " << r.seed << ": "
      << (r.ok() ? "ok" : r.violation->invariant + " FAILED: " + r.violation->why) << ", "
      << Convergence(r) << ", " << r.publish_window_crashes
      << " crashes in a publish window, digest " << Hex64(r.trace_digest) << "\n";
}

void PrintJson(std::ostream& out, const std::string& scenario,
               const std::string& reproduce, const RunResult& r) {
  out << "{\"scenario\":" << Quoted(scenario) << ",\"seed\":" << r.seed
      << ",\"ok\":" << (r.ok() ? "true" : "false");
  if (!r.ok()) {
    out << ",\"violation\":{\"invariant\":" << Quoted(r.violation->invariant)
        << ",\"why\":" << Quoted(r.violation->why)
        << ",\"at_ms\":" << ToMillis(r.violation->at) << "}"
        << ",\"reproduce\":" << Quoted(reproduce);
  }
  out << ",\"last_action_ms\":" << ToMillis(r.last_action) << ",\"convergence_ms\":"
      << (r.convergence ? std::to_string(ToMillis(*r.convergence)) : "null")
      << ",\"end_ms\":" << ToMillis(r.end) << ",\"live_files\":" << r.live_files
      << ",\"catalog_entries\":" << r.catalog_entries << ",\"orphans\":" << r.orphans
      << ",\"lost_to_faults\":" << r.lost_to_faults
      << ",\"publish_window_crashes\":" << r.publish_window_crashes
      << ",\"reads\":" << r.reads << ",\"events\":" << r.events
      << ",\"messages\":" << r.messages << ",\"bytes\":" << r.bytes
      << ",\"trace_lines\":" << r.trace_lines << ",\"trace_digest\":\""
      << Hex64(r.trace_digest) << "\",\"fired\":" << JsonCounts(r.coverage.fired)
      << ",\"moments\":" << JsonCounts(r.coverage.moments) << ",\"unfired\":[";
  const std::vector<std::string> unfired = Unfired(r.coverage);
  for (size_t i = 0; i < unfired.size(); ++i) out << (i ? "," : "") << Quoted(unfired[i]);
  out << "]}\n";
}

}  // namespace dds::sim
