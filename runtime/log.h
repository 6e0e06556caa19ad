// One-line, timestamped log output to stderr, shared by every runtime piece.
//
// Each process sets its label once ("dds master", "dds node n1"); every line
// then reads "<UTC time> <label>: <text>", so the logs of a `dds cluster`
// (whose children share one terminal) stay attributable.
#pragma once

#include <string>
#include <string_view>

namespace dds {

void SetLogLabel(std::string label);
const std::string& LogLabel();

// Writes one line; `text` should not end with a newline.
void Log(std::string_view text);

// The line a process prints for each address it actually bound, without a
// timestamp so scripts (and `dds cluster`) can read it: "<label>: <what> <where>".
void LogBound(std::string_view what, std::string_view where);

}  // namespace dds
