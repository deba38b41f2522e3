// The style sheet and script embedded in every SVG flame graph. They are
// constants: no frame name or number is ever formatted into them. The script
// reads what it needs from the document (rect geometry, the first line of
// each frame's <title>, sizes in data- attributes on the root) and writes
// back only through textContent and setAttribute, so a hostile name cannot
// become code however it is spelled.
#pragma once

#include <string_view>

namespace validprof::flamegraph {

extern const std::string_view kSvgStyle;
extern const std::string_view kSvgScript;

}  // namespace validprof::flamegraph
