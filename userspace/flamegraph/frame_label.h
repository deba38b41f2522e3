// The text a frame shows in every output. Symbol names come from binaries and
// JIT maps that anyone can write, so they can hold anything: bytes that are
// not UTF-8 (rejected by JSON and XML parsers), control characters (which
// XML 1.0 forbids even as character references), newlines and ';' (which
// would split a folded line or a folded stack). Cleaning them once here means
// every format sees the same, safe name; escaping for XML or JSON is still
// each writer's job.
#pragma once

#include <string>
#include <string_view>

namespace validprof::flamegraph {

// Invalid UTF-8 → U+FFFD; control characters (newline included) → '?';
// the XML non-characters U+FFFE/U+FFFF → U+FFFD; ';' → ':' (what FlameGraph's
// stackcollapse scripts do); an empty name → "[unknown]".
std::string frame_label(std::string_view name);

}  // namespace validprof::flamegraph
