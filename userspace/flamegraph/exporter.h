// One entry point for `validprof flamegraph`: pick the writer for --format,
// apply --kind/--hook/--invocation, and --diff BASE for the formats that
// have a differential form. Each writer is also usable on its own (folded.h,
// svg.h, speedscope.h, pprof.h, diff.h).
#pragma once

#include <ostream>
#include <string_view>

#include "common/result.h"
#include "flamegraph/pprof.h"
#include "flamegraph/profile.h"
#include "flamegraph/selection.h"
#include "flamegraph/svg.h"

namespace validprof::flamegraph {

enum class Format { kSvg, kFolded, kSpeedscope, kPprof };

// "svg", "folded", "speedscope", "pprof"; anything else is an error naming the choices.
common::Result<Format> parse_format(std::string_view text);
std::string_view format_name(Format format);
// Suggested file name ending: ".svg", ".folded", ".speedscope.json", ".pb.gz".
std::string_view file_extension(Format format);
// pprof is gzip: not for a terminal.
inline bool is_binary(Format format) { return format == Format::kPprof; }

struct ExportOptions {
    Selection selection;
    SvgOptions svg;
    PprofOptions pprof;
};

common::Result<void> export_profile(std::ostream& out, const Profile& profile, Format format,
                                    const ExportOptions& options);

// --diff: svg and folded only; speedscope and pprof have no differential
// form (pprof's own `-diff_base` does that from two pprof files).
common::Result<void> export_diff(std::ostream& out, const Profile& base, const Profile& target, Format format,
                                 const ExportOptions& options);

}  // namespace validprof::flamegraph
