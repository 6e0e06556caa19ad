// The HTML report of a run; see html_report.h.
#include "sim/html_report.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <vector>

#include "core/html.h"
#include "sim/units.h"

namespace dds::sim {

namespace {

// The SVG's user units: the page scales it to the window's width.
constexpr double kWidth = 1200;
constexpr double kLeft = 110;  // lane labels
constexpr double kPlot = kWidth - kLeft - 20;
constexpr double kAxis = 36;  // the time axis above the lanes
constexpr double kLaneHeight = 24;
constexpr std::string_view kClusterLane = "cluster";

constexpr std::string_view kStyle = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:16px;color:#222}
h1{font-size:18px;margin:0 0 8px}
.verdict{padding:8px 12px;border-radius:4px;font-weight:600;margin:8px 0}
.verdict.pass{background:#dff5e1;border:1px solid #3a9d48}
.verdict.fail{background:#fde2e1;border:1px solid #c62828}
code{background:#f3f3f3;padding:2px 4px}
.facts{color:#555;margin:4px 0}
.legend span{margin-right:14px;white-space:nowrap}
svg{width:100%;height:auto;display:block}
.lane-bg{fill:#fafafa}.lane-bg.alt{fill:#f0f0f0}
.label{font-size:12px;fill:#333}
.up{fill:#8fd19e}.down{stroke:#bbb;stroke-dasharray:3 3}
.band{fill:#9467bd;fill-opacity:.18}
.truncated{fill:#999;fill-opacity:.15}
.tick line{stroke:#ddd}.tick-label{font-size:11px;fill:#666}
.crash path{fill:#d62728}.restart path{fill:#2ca02c}
.disk path{fill:#ff7f0e}.network path{fill:#9467bd}
.write path{fill:#1f77b4}.remove path{fill:#fff;stroke:#333;stroke-width:1.5}
.read path{fill:#17becf}.note path{fill:#999}
.skipped{opacity:.35}
#convergence line{stroke:#2ca02c;stroke-width:2}
#last-action line{stroke:#888;stroke-dasharray:5 3}
#violation line{stroke:#c62828;stroke-width:2}#violation path{fill:#c62828}
#hover{position:fixed;background:#fff;border:1px solid #888;padding:4px 8px;
  font-size:12px;pointer-events:none;max-width:520px;box-shadow:0 1px 4px #0003}
)";

// Shows the <title> of what is under the pointer in a box; without
// JavaScript the browser shows the same text as a tooltip.
constexpr std::string_view kScript = R"(
(function () {
  var svg = document.getElementById('timeline'), box = document.getElementById('hover');
  svg.addEventListener('mousemove', function (e) {
    var el = e.target;
    while (el && el !== svg && !(el.firstElementChild && el.firstElementChild.tagName === 'title'))
      el = el.parentNode;
    if (!el || el === svg) { box.hidden = true; return; }
    box.textContent = el.firstElementChild.textContent;
    box.hidden = false;
    var left = Math.min(e.clientX + 14, window.innerWidth - box.offsetWidth - 8);
    box.style.left = Math.max(left, 0) + 'px';
    box.style.top = (e.clientY + 14) + 'px';
  });
  svg.addEventListener('mouseleave', function () { box.hidden = true; });
})();
)";

std::string Num(double value) {
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%.1f", value);
  return buf.data();
}

// Where the time axis is drawn, and where in it a moment falls.
class Scale {
 public:
  explicit Scale(Instant end)
      : end_us_(std::max<int64_t>(end.time_since_epoch().count(), 1000)) {}
  double X(Instant at) const {
    return kLeft + kPlot * static_cast<double>(at.time_since_epoch().count()) /
                       static_cast<double>(end_us_);
  }
  int64_t end_us() const { return end_us_; }

 private:
  int64_t end_us_;
};

// 1, 2 or 5 times a power of ten microseconds: about ten ticks.
int64_t TickStep(int64_t end_us) {
  for (int64_t base = 1;; base *= 10) {
    for (int64_t m : {1, 2, 5}) {
      if (base * m * 10 >= end_us) return base * m;
    }
  }
}

std::string TickLabel(int64_t us) {
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%gs", static_cast<double>(us) / 1e6);
  return buf.data();
}

// A mark's shape centred on (x, y): one per class, so a mark reads without
// its colour.
std::string Shape(MarkClass mark_class, double x, double y) {
  const std::string at = "M" + Num(x) + " " + Num(y);
  switch (mark_class) {
    case MarkClass::kCrash:
      return at + "m-5 -5h10l-5 10z";
    case MarkClass::kRestart:
      return at + "m-5 5h10l-5 -10z";
    case MarkClass::kDisk:
      return at + "m-4 -4h8v8h-8z";
    case MarkClass::kNetwork:
      return at + "m0 -6l6 6l-6 6l-6 -6z";
    case MarkClass::kWrite:
    case MarkClass::kRemove:
      return at + "m-4 0a4 4 0 1 0 8 0a4 4 0 1 0 -8 0z";
    case MarkClass::kRead:
      return at + "m-2.5 0a2.5 2.5 0 1 0 5 0a2.5 2.5 0 1 0 -5 0z";
    case MarkClass::kNote:
      return at + "m-1.5 -7h3v14h-3z";
  }
  return at;
}

std::string Title(std::string_view text) {
  return "<title>" + HtmlEscape(text) + "</title>";
}

std::string Rect(const std::string& cls, double x, double y, double w, double h,
                 const std::string& extra = {}) {
  return "<rect class=\"" + cls + "\" x=\"" + Num(x) + "\" y=\"" + Num(y) +
         "\" width=\"" + Num(std::max(w, 1.0)) + "\" height=\"" + Num(h) + "\"" + extra +
         ">";
}

std::string VerticalLine(double x, double y1, double y2) {
  return "<line x1=\"" + Num(x) + "\" y1=\"" + Num(y1) + "\" x2=\"" + Num(x) +
         "\" y2=\"" + Num(y2) + "\"/>";
}

std::string Between(const Span& span, Instant end) {
  return FormatSeconds(span.from) + " to " + FormatSeconds(span.to.value_or(end));
}

// One lane: its partition bands, up bars, down gaps and marks.
class LaneWriter {
 public:
  LaneWriter(std::ostream& out, const Scale& scale, Instant end)
      : out_(out), scale_(scale), end_(end) {}

  void Begin(std::string_view process, size_t row) {
    out_ << "<g class=\"lane\" data-process=\"" << HtmlEscape(process)
         << "\" transform=\"translate(0," << Num(kAxis + kLaneHeight * row) << ")\">"
         << Rect(row % 2 ? "lane-bg alt" : "lane-bg", 0, 0, kWidth, kLaneHeight)
         << "</rect>"
         << "<text class=\"label\" x=\"8\" y=\"16\">" << HtmlEscape(process) << "</text>";
  }
  void End() { out_ << "</g>\n"; }

  void Band(const PartitionSpan& partition, std::string_view process) {
    const double x = scale_.X(partition.span.from);
    out_ << Rect("band partition", x, 1, scale_.X(partition.span.to.value_or(end_)) - x,
                 kLaneHeight - 2, " data-process=\"" + HtmlEscape(process) + "\"")
         << Title("partition " + Between(partition.span, end_) + ": " +
                  std::string(process) + " cut off from the master (sides " +
                  partition.sides + ")")
         << "</rect>";
  }

  void Up(const Lane& lane) {
    std::optional<Instant> down_since;
    for (const Span& span : lane.up) {
      if (down_since) Down(lane.process, *down_since, span.from);
      const double x = scale_.X(span.from);
      out_ << Rect("up", x, 8, scale_.X(span.to.value_or(end_)) - x, 8)
           << Title(lane.process + " up " + Between(span, end_)) << "</rect>";
      down_since = span.to;
    }
    if (down_since) Down(lane.process, *down_since, end_);
  }

  void Draw(const Mark& mark) {
    out_ << "<g class=\"mark " << MarkClassName(mark.mark_class)
         << (mark.skipped ? " skipped" : "") << "\" data-t=\"" << FormatSeconds(mark.at)
         << "\">" << Title(FormatSeconds(mark.at) + "  " + mark.text) << "<path d=\""
         << Shape(mark.mark_class, scale_.X(mark.at), kLaneHeight / 2) << "\"/></g>";
  }

 private:
  void Down(const std::string& process, Instant from, Instant to) {
    out_ << "<g class=\"down\">"
         << Title(process + " down " + Between(Span{from, to}, end_)) << "<line x1=\""
         << Num(scale_.X(from)) << "\" y1=\"12\" x2=\"" << Num(scale_.X(to))
         << "\" y2=\"12\"/></g>";
  }

  std::ostream& out_;
  const Scale& scale_;
  const Instant end_;
};

void WriteAxis(std::ostream& out, const Scale& scale, double bottom) {
  const int64_t step = TickStep(scale.end_us());
  for (int64_t us = 0; us <= scale.end_us(); us += step) {
    const double x = scale.X(Instant(Duration(us)));
    out << "<g class=\"tick\">" << VerticalLine(x, kAxis - 6, bottom)
        << "<text class=\"tick-label\" x=\"" << Num(x) << "\" y=\"" << Num(kAxis - 10)
        << "\" text-anchor=\"middle\">" << TickLabel(us) << "</text></g>";
  }
}

// A vertical line over every lane, with a hover text.
void WriteMoment(std::ostream& out, std::string_view id, double x, double bottom,
                 const std::string& text, const std::string& extra = {}) {
  out << "<g id=\"" << id << "\">" << Title(text) << VerticalLine(x, kAxis - 4, bottom)
      << extra << "</g>\n";
}

void WriteMoments(std::ostream& out, const RunRecord& record, const RunResult& r,
                  const Scale& scale, double bottom) {
  WriteMoment(out, "last-action", scale.X(r.last_action), bottom,
              "last action at " + FormatSeconds(r.last_action) +
                  ": the cluster must converge within the bound from here");
  if (r.convergence) {
    const Instant at = r.last_action + *r.convergence;
    WriteMoment(out, "convergence", scale.X(at), bottom,
                "converged at " + FormatSeconds(at) + ", " +
                    FormatSeconds(*r.convergence) + " after the last action");
  }
  if (record.first_dropped()) {
    const double x = scale.X(*record.first_dropped());
    out << Rect("truncated", x, kAxis, kLeft + kPlot - x, bottom - kAxis)
        << Title("marks from " + FormatSeconds(*record.first_dropped()) +
                 " on are not drawn")
        << "</rect>\n";
  }
  if (!r.ok()) {
    const double x = scale.X(r.violation->at);
    WriteMoment(out, "violation", x, bottom,
                r.violation->invariant + " FAILED at " + FormatSeconds(r.violation->at) +
                    ": " + r.violation->why,
                "<path d=\"M" + Num(x) + " " + Num(kAxis - 4) + "m-7 -9h14l-7 9z\"/>");
  }
}

void WriteTimeline(std::ostream& out, const RunRecord& record, const RunResult& r) {
  const Scale scale(r.end);
  std::map<std::string, size_t, std::less<>> row_of;
  for (const Lane& lane : record.lanes()) row_of.emplace(lane.process, row_of.size() + 1);
  // Marks on no process's lane (the network's faults, actions that found no
  // target) go on the cluster's lane, row 0.
  std::vector<std::vector<const Mark*>> marks(row_of.size() + 1);
  for (const Mark& mark : record.marks()) {
    auto it = row_of.find(mark.lane);
    marks[it == row_of.end() ? 0 : it->second].push_back(&mark);
  }
  const double bottom = kAxis + kLaneHeight * static_cast<double>(marks.size());
  out << "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "
      << Num(kWidth) << " " << Num(bottom + 4) << "\">\n";
  WriteAxis(out, scale, bottom);
  LaneWriter lanes(out, scale, r.end);
  lanes.Begin(kClusterLane, 0);
  for (const Mark* mark : marks[0]) lanes.Draw(*mark);
  lanes.End();
  for (const Lane& lane : record.lanes()) {
    const size_t row = row_of.find(lane.process)->second;
    lanes.Begin(lane.process, row);
    for (const PartitionSpan& partition : record.partitions()) {
      const auto& cut = partition.cut_off;
      if (std::find(cut.begin(), cut.end(), lane.process) != cut.end())
        lanes.Band(partition, lane.process);
    }
    lanes.Up(lane);
    for (const Mark* mark : marks[row]) lanes.Draw(*mark);
    lanes.End();
  }
  WriteMoments(out, record, r, scale, bottom);
  out << "</svg>\n";
}

void WriteVerdict(std::ostream& out, const RunResult& r, const ReportInfo& info) {
  const std::string converged = r.convergence
                                    ? "converged " + FormatSeconds(*r.convergence) +
                                          " after the last action (at " +
                                          FormatSeconds(r.last_action) + ")"
                                    : "did not converge";
  if (r.ok()) {
    out << "<div id=\"verdict\" class=\"verdict pass\">Passed: all invariants held "
           "(Safety, Durability, Liveness); "
        << converged << "</div>\n";
    return;
  }
  out << "<div id=\"verdict\" class=\"verdict fail\">FAILED: <span id=\"invariant\">"
      << HtmlEscape(r.violation->invariant) << "</span> at "
      << FormatSeconds(r.violation->at) << ": " << HtmlEscape(r.violation->why)
      << "</div>\n<p>Reproduce: <code id=\"reproduce\">" << HtmlEscape(info.reproduce)
      << "</code></p>\n";
}

void WriteFacts(std::ostream& out, const RunRecord& record, const RunResult& r) {
  out << "<p class=\"facts\">" << r.live_files << " live files, " << r.catalog_entries
      << " catalog entries; " << r.events << " events, " << r.messages
      << " messages; trace " << r.trace_lines << " lines, digest "
      << Hex64(r.trace_digest) << "; ended at " << FormatSeconds(r.end) << "<br>"
      << HtmlEscape(FormatCoverage(r.coverage)) << "</p>\n";
  if (record.dropped_marks() > 0) {
    out << "<p id=\"truncated\">Showing the first " << record.max_marks() << " marks; "
        << record.dropped_marks() << " more, from "
        << FormatSeconds(*record.first_dropped())
        << " on, are not drawn (the shaded part; the whole timeline is in ddsim's "
           "output, every event in --trace).</p>\n";
  }
}

void WriteLegend(std::ostream& out) {
  static constexpr std::array<std::pair<MarkClass, std::string_view>, 8> kKeys = {{
      {MarkClass::kCrash, "crash"},
      {MarkClass::kRestart, "restart, join"},
      {MarkClass::kDisk, "disk fault"},
      {MarkClass::kNetwork, "network fault"},
      {MarkClass::kWrite, "write"},
      {MarkClass::kRemove, "remove"},
      {MarkClass::kRead, "read"},
      {MarkClass::kNote, "note"},
  }};
  out << "<p class=\"legend\">";
  for (const auto& [mark_class, name] : kKeys) {
    out << "<span><svg width=\"14\" height=\"14\" viewBox=\"-7 -7 14 14\" "
           "style=\"display:inline;width:14px\"><g class=\"key "
        << MarkClassName(mark_class) << "\"><path d=\"" << Shape(mark_class, 0, 0)
        << "\"/></g></svg> " << name << "</span>";
  }
  out << "<span>green bar: up; dashes: down; purple band: cut off by a partition; "
         "green line: converged; red: the violation</span></p>\n";
}

}  // namespace

void WriteHtmlReport(std::ostream& out, const RunRecord& record, const RunResult& result,
                     const ReportInfo& info) {
  const std::string title =
      "ddsim " + info.scenario + ", seed " + std::to_string(result.seed);
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>"
      << HtmlEscape(title) << "</title>\n<style>" << kStyle << "</style></head><body>\n"
      << "<h1>" << HtmlEscape(title) << "</h1>\n";
  WriteVerdict(out, result, info);
  WriteFacts(out, record, result);
  WriteLegend(out);
  WriteTimeline(out, record, result);
  out << "<div id=\"hover\" hidden></div>\n<script>" << kScript
      << "</script>\n</body></html>\n";
}

}  // namespace dds::sim
