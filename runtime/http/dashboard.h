// The master's dashboard: one HTML page with the cluster at a glance (every
// node up or down, what it lacks, its transfers and disk, certificate
// expiry, the catalog's size, convergence, the latest notable events). It is
// rendered here, on the server, so it reads as plain tables without
// JavaScript; the script (kDashboardScript, served as /dashboard.js so the
// page's Content-Security-Policy can forbid inline script) re-fetches the
// page every second and swaps in the fresh tables.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/master.h"
#include "runtime/tls/certs.h"

namespace dds::http {

// An event from the master's recent events, with how long ago it was.
struct AgedEvent {
  Duration age{};
  std::string text;
};

struct DashboardFacts {
  bool converged = false;
  uint64_t files = 0;
  uint64_t bytes = 0;
  std::optional<CertIdentity> master_cert;
  struct Member {
    NodeStatus status;
    std::optional<CertIdentity> cert;
  };
  std::vector<Member> nodes;
  std::vector<AgedEvent> events;              // newest first
  std::chrono::system_clock::time_point now;  // for certificate expiry
};

std::string RenderDashboard(const DashboardFacts& facts);

// Content-Security-Policy of the page: its own script and styles only.
inline constexpr std::string_view kDashboardPolicy =
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src "
    "'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

extern const std::string_view kDashboardScript;

// "1.5 MiB", "312 B": sizes as people read them.
std::string HumanBytes(uint64_t bytes);
// "4 s", "12 min", "3 h", "2 d": an age or a wait, coarsely.
std::string HumanDuration(std::chrono::seconds span);

}  // namespace dds::http
