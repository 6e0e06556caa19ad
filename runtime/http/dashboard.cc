// The master's dashboard page and its refresh script; see dashboard.h.
#include "runtime/http/dashboard.h"

#include <array>
#include <cstdio>

#include "runtime/http/http_common.h"
#include "runtime/http/url.h"
#include "runtime/tls/credentials.h"

namespace dds::http {
namespace {

constexpr std::string_view kHead = R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dds cluster</title>
<script src="/dashboard.js" defer></script>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1b1f24; }
h1 { font-size: 1.4em; margin: 0 0 .3em; }
h2 { font-size: 1.1em; margin: 1.4em 0 .4em; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: .25em .9em .25em 0; border-bottom: 1px solid #d8dee4; }
td.num, th.num { text-align: right; }
.ok { color: #1a7f37; font-weight: 600; }
.bad { color: #cf222e; font-weight: 600; }
.warn { color: #9a6700; font-weight: 600; }
.muted { color: #656d76; }
#stale { display: none; background: #ffebe9; border: 1px solid #cf222e; padding: .4em .8em; }
body.stale #stale { display: block; }
</style>
</head>
<body>
<p id="stale">The master does not answer: what follows is as it last was.</p>
)";

std::string Cell(std::string_view text, std::string_view cls = "") {
  std::string html = cls.empty() ? "<td>" : "<td class=\"" + std::string(cls) + "\">";
  return html + HtmlEscape(text) + "</td>";
}

std::string Num(uint64_t n) { return Cell(std::to_string(n), "num"); }

// "2027-03-01 12:00:00 UTC", flagged when within the warning window.
std::string ExpiryCell(const std::optional<CertIdentity>& cert,
                       std::chrono::system_clock::time_point now) {
  if (!cert) return Cell("—", "muted");
  const bool soon = ExpiresSoon(*cert, now);
  std::string text = FormatExpiry(cert->not_after);
  if (soon) {
    text += cert->not_after <= now ? " (expired)" : " (rotate soon)";
  }
  return Cell(text, soon ? "warn cert" : "cert");
}

std::string NodeRow(const DashboardFacts::Member& member,
                    std::chrono::system_clock::time_point now) {
  const NodeStatus& node = member.status;
  std::string row = "<tr data-node=\"" + HtmlEscape(node.name) + "\" class=\"node " +
                    (node.up ? "up" : "down") + "\">";
  row += Cell(node.name);
  row += Cell(node.up ? "up" : "down", node.up ? "state ok" : "state bad");
  row += Num(node.files_current);
  row += Num(node.files_behind);
  row += Cell(HumanBytes(node.bytes_behind), "num");
  row += Num(node.transfers);
  row += node.disk_full ? Cell("full", "disk bad") : Cell("ok", "disk");
  row += ExpiryCell(member.cert, now);
  Result<BaseUrl> url = ParseBaseUrl(node.http_url);
  if (url.ok() && node.up) {
    const std::string href = HtmlEscape(url->ToString() + "/data/");
    row += "<td><a href=\"" + href + "\">" + href + "</a></td>";
  } else {
    row += Cell(node.up ? "—" : "(down)", "muted");
  }
  row += node.watch_incomplete ? Cell("part of its data dir is not watched", "warn")
                               : Cell("");
  return row + "</tr>\n";
}

std::string Summary(const DashboardFacts& facts) {
  size_t up = 0;
  for (const auto& member : facts.nodes) up += member.status.up ? 1 : 0;
  std::string html = "<p id=\"summary\">";
  html += facts.converged ? "<span id=\"converged\" class=\"ok\">converged</span>"
                          : "<span id=\"converged\" class=\"warn\">converging</span>";
  html += " · <span id=\"catalog\">" + std::to_string(facts.files) + " files, " +
          HumanBytes(facts.bytes) + "</span>";
  html += " · <span id=\"nodes-up\">" + std::to_string(up) + " of " +
          std::to_string(facts.nodes.size()) + " nodes up</span>";
  if (facts.master_cert) {
    html += " · master certificate expires " +
            HtmlEscape(FormatExpiry(facts.master_cert->not_after));
  }
  return html + "</p>\n";
}

std::string NodesTable(const DashboardFacts& facts) {
  std::string html =
      "<h2>Nodes</h2>\n<table id=\"nodes\">\n<thead><tr><th>node</th><th>state</th>"
      "<th class=\"num\">files current</th><th class=\"num\">files behind</th>"
      "<th class=\"num\">bytes behind</th><th class=\"num\">transfers</th><th>disk</th>"
      "<th>certificate expires</th><th>mirror</th><th>notes</th></tr></thead>\n<tbody>\n";
  for (const auto& member : facts.nodes) html += NodeRow(member, facts.now);
  if (facts.nodes.empty())
    html += "<tr><td colspan=\"10\">no node has registered</td></tr>\n";
  return html + "</tbody>\n</table>\n";
}

std::string EventsTable(const std::vector<AgedEvent>& events) {
  std::string html = "<h2>Latest events</h2>\n<table id=\"events\">\n<tbody>\n";
  for (const AgedEvent& event : events) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(event.age);
    html += "<tr class=\"event\">" + Cell(HumanDuration(seconds) + " ago", "muted") +
            Cell(event.text) + "</tr>\n";
  }
  if (events.empty()) html += "<tr><td>none yet</td></tr>\n";
  return html + "</tbody>\n</table>\n";
}

}  // namespace

std::string RenderDashboard(const DashboardFacts& facts) {
  std::string html(kHead);
  html += "<main id=\"dashboard\">\n<h1>dds cluster</h1>\n";
  html += Summary(facts);
  html += NodesTable(facts);
  html += EventsTable(facts.events);
  return html + "</main>\n</body>\n</html>\n";
}

// Fetches the page again every second and swaps in its <main>; a failed
// fetch marks the page stale (the banner) until the master answers again.
// DOMParser builds an inert document: nothing in the fetched page runs.
const std::string_view kDashboardScript = R"(// dds dashboard: live refresh.
"use strict";
(function () {
  const period = 1000;
  async function refresh() {
    try {
      const response = await fetch(location.pathname, { cache: "no-store" });
      if (!response.ok) throw new Error(String(response.status));
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("dashboard");
      if (fresh) document.getElementById("dashboard").replaceWith(document.adoptNode(fresh));
      document.body.classList.remove("stale");
    } catch (error) {
      document.body.classList.add("stale");
    }
    setTimeout(refresh, period);
  }
  setTimeout(refresh, period);
})();
)";

std::string HumanBytes(uint64_t bytes) {
  static constexpr std::array<const char*, 6> kUnits = {"B",   "KiB", "MiB",
                                                        "GiB", "TiB", "PiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < kUnits.size()) {
    value /= 1024;
    ++unit;
  }
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%.1f %s", value, kUnits[unit]);
  return text.data();
}

std::string HumanDuration(std::chrono::seconds span) {
  const int64_t s = span.count() < 0 ? 0 : span.count();
  if (s < 120) return std::to_string(s) + " s";
  if (s < 2 * 3600) return std::to_string(s / 60) + " min";
  if (s < 2 * 86400) return std::to_string(s / 3600) + " h";
  return std::to_string(s / 86400) + " d";
}

}  // namespace dds::http
