// Escaping for text and attribute values in the SVG. Frame names come from
// whatever binaries and JIT maps a hook ran ("<script>", "operator<", a
// quote in a perf map entry), so nothing reaches the document unescaped.
#pragma once

#include <string>
#include <string_view>

namespace validprof::flamegraph {

// & < > " ' become entities. '>' is escaped too, although XML only requires
// it in "]]>", so no name can end a CDATA section or look like markup.
// Expects text already cleaned by frame_label (no control characters).
void append_xml_escaped(std::string& out, std::string_view text);
std::string xml_escaped(std::string_view text);

}  // namespace validprof::flamegraph
