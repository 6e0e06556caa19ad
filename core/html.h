// Escaping text for the HTML pages dds writes: a node's directory listings
// and the master's dashboard (runtime/http), ddsim's run reports (sim/).
// Here, pure and shared, so that every page escapes the same way.
#pragma once

#include <string>
#include <string_view>

namespace dds {

// `text` safe inside an HTML element or a quoted attribute value.
std::string HtmlEscape(std::string_view text);

}  // namespace dds
