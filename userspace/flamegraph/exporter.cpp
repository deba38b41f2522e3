#include "flamegraph/exporter.h"

#include <string>

#include "flamegraph/diff.h"
#include "flamegraph/folded.h"
#include "flamegraph/speedscope.h"

namespace validprof::flamegraph {

common::Result<Format> parse_format(std::string_view text) {
    if (text == "svg") return Format::kSvg;
    if (text == "folded") return Format::kFolded;
    if (text == "speedscope") return Format::kSpeedscope;
    if (text == "pprof") return Format::kPprof;
    return common::make_error("unknown flame graph format '" + std::string(text) +
                              "': use svg, folded, speedscope or pprof");
}

std::string_view format_name(Format format) {
    switch (format) {
        case Format::kSvg: return "svg";
        case Format::kFolded: return "folded";
        case Format::kSpeedscope: return "speedscope";
        case Format::kPprof: return "pprof";
    }
    return "svg";
}

std::string_view file_extension(Format format) {
    switch (format) {
        case Format::kSvg: return ".svg";
        case Format::kFolded: return ".folded";
        case Format::kSpeedscope: return ".speedscope.json";
        case Format::kPprof: return ".pb.gz";
    }
    return "";
}

common::Result<void> export_profile(std::ostream& out, const Profile& profile, Format format,
                                    const ExportOptions& options) {
    switch (format) {
        case Format::kSvg: return write_svg(out, profile, options.selection, options.svg);
        case Format::kFolded: return write_folded(out, profile, options.selection);
        case Format::kSpeedscope: return write_speedscope(out, profile, options.selection);
        case Format::kPprof: return write_pprof(out, profile, options.selection, options.pprof);
    }
    return common::make_error("unknown flame graph format");
}

common::Result<void> export_diff(std::ostream& out, const Profile& base, const Profile& target, Format format,
                                 const ExportOptions& options) {
    if (format != Format::kSvg && format != Format::kFolded) {
        return common::make_error("--diff writes svg or folded, not " + std::string(format_name(format)) +
                                  " (for pprof, export both profiles and use pprof -diff_base)");
    }
    auto diff = collect_diff(base, target, options.selection);
    if (!diff) return diff.error();
    if (format == Format::kFolded) return write_diff_folded(out, *diff);
    SvgOptions svg = options.svg;
    if (svg.title.empty()) {
        svg.title = "Differential " + std::string(view_name(options.selection.view)) + " flame graph: " +
                    (target.name.empty() ? std::string("new") : target.name) + " vs " +
                    (base.name.empty() ? std::string("base") : base.name);
        if (options.selection.hook) svg.title += ", hook " + *options.selection.hook;
    }
    return write_diff_svg(out, *diff, svg);
}

}  // namespace validprof::flamegraph
