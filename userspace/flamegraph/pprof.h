// pprof's profile.proto (github.com/google/pprof, proto/profile.proto),
// encoded by hand (protobuf_writer.h) and gzipped, for `go tool pprof`,
// Pyroscope and Parca.
//
// Every file carries the same four sample types, so tools that key on them
// see one schema whatever the view:
//   samples/count        cpu: samples taken; off-cpu: times the task left the CPU
//   cpu/nanoseconds      on-CPU time (samples × period)
//   off-cpu/nanoseconds  time off the CPU
//   wall/nanoseconds     cpu + off-cpu
// The view picks which samples are included (cpu: on-CPU only, offcpu:
// off-CPU only, wall: both) and default_sample_type ("cpu", "off-cpu",
// "wall"). period_type is cpu/nanoseconds with period = the sample period.
//
// Labels per sample: "hook" and "process" (comm); "state" ("sleeping",
// "blocked") on off-CPU samples; with invocation_labels also the numeric
// "invocation" and "pid". Samples with equal stack and labels are merged.
// Frames keep their names (only cleaned to valid UTF-8 without control
// characters); each module becomes a mapping, marked as already symbolized
// so pprof does not try to resolve the addresses itself. A frame with
// source lines (Frame::lines, add_source_lines) gets a Line per function
// of its inline chain, innermost first, and Functions with filename and
// start_line; its mapping then says has_filenames, has_line_numbers and
// has_inline_frames.
// Selection::hook_frames and process_frames do not apply: labels carry the
// same information (`-tagfocus hook=pre-commit`, `-tagroot hook`).
#pragma once

#include <ostream>
#include <string>

#include "common/result.h"
#include "flamegraph/profile.h"
#include "flamegraph/selection.h"

namespace validprof::flamegraph {

struct PprofOptions {
    // Off by default: a label per invocation makes every invocation its own
    // series in Pyroscope and Parca and keeps samples from merging.
    bool invocation_labels = false;
    int gzip_level = 1;  // see gzip.h
};

// The encoded Profile message, not compressed (for tests and tools that
// compress themselves).
common::Result<std::string> encode_pprof(const Profile& profile, const Selection& selection,
                                         const PprofOptions& options = {});

// encode_pprof, gzipped: what a .pb.gz file holds.
common::Result<void> write_pprof(std::ostream& out, const Profile& profile, const Selection& selection,
                                 const PprofOptions& options = {});

}  // namespace validprof::flamegraph
