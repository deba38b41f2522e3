// A strict reader for the small part of YAML that threshold files use:
// block mappings, block sequences ("- key: value" items), plain and quoted
// scalars, comments. Everything else (flow collections, anchors, aliases,
// tags, block scalars, tabs in indentation, several documents, duplicate
// keys) is refused with the line it is on.
//
// Why not yaml-cpp: Debian's package is not installed on the build hosts,
// and a gate in CI must fail loudly on a file it misreads. A general parser
// accepts much that this format has no use for and reports positions in its
// own terms; this one knows every line a value came from, so each error in
// a threshold file names its line (`FILE:LINE: ...`), and there is no
// dependency to install.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace validprof::thresholds {

struct YamlEntry;

struct YamlNode {
    enum class Kind { Scalar, Mapping, Sequence };
    Kind kind = Kind::Scalar;
    int line = 0;                    // 1-based line the node starts on
    std::string scalar;              // Scalar: the text, quotes removed
    std::vector<YamlEntry> entries;  // Mapping, in file order
    std::vector<int> key_lines;      // Mapping: line of each key
    std::vector<YamlNode> items;     // Sequence
};

// A mapping's key and value. Its own struct rather than std::pair because a
// node holds entries of itself: std::vector may hold a type that is still
// incomplete (C++17), std::pair may not, and clang's library checks say so.
struct YamlEntry {
    std::string key;
    YamlNode value;
};

// The document's root; errors read "LINE: message" (the caller adds the
// file name). An empty document is an empty mapping.
common::Result<YamlNode> parse_yaml_subset(const std::string& text);

}  // namespace validprof::thresholds
