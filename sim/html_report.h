// One run as a self-contained HTML page (ddsim --report): a verdict banner,
// and an SVG timeline with a lane per process (up as bars, down as gaps),
// actions, faults and notes as marks, partitions as bands over the lanes
// they cut off, the convergence point, and for a failed run the violation
// and the command that reproduces it. Inline CSS, no external resource;
// hover text comes from SVG <title>s, which browsers show as tooltips, so
// nothing needs JavaScript (a few inline lines add a hover box).
//
// Elements a test can find: #verdict (.pass or .fail), #reproduce,
// #violation, #convergence, #truncated, .lane[data-process=NAME],
// .mark.CLASS (MarkClassName), .band.partition.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "sim/run_record.h"
#include "sim/runner.h"

namespace dds::sim {

struct ReportInfo {
  std::string scenario;   // as the user named it: a path, or "swarm seed 7"
  std::string reproduce;  // the command that reproduces the run
};

void WriteHtmlReport(std::ostream& out, const RunRecord& record, const RunResult& result,
                     const ReportInfo& info);

}  // namespace dds::sim
