// `validprof flamegraph`: a session's stored stack profile, attributed to
// hooks and invocations, exported by userspace/flamegraph.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>

#include "cli/commands.h"
#include "cli/database_path.h"
#include "cli/explain_data.h"
#include "cli/option_parsing.h"
#include "explain/critical_profile.h"
#include "flamegraph/exporter.h"
#include "stacks/source_lines.h"
#include "storage/profile_database.h"

namespace validprof::cli {
namespace {

const char* const kFlamegraphUsage =
    "usage: validprof flamegraph [--session N] [--hook H] [--invocation I] [--kind cpu|offcpu|wall|critical]\n"
    "                            [--format svg|folded|speedscope|pprof] [--diff BASE_SESSION] [-o FILE]\n"
    "\n"
    "Flame graphs of a session recorded with --stacks (default: the latest).\n"
    "cpu: on-CPU samples; offcpu: time off CPU, by where each thread went to\n"
    "sleep or block; wall: both, in time; critical: only the time on each\n"
    "invocation's critical path (validprof explain), CPU by its stacks and\n"
    "waits by their reasons (any session; stacks with --stacks). --diff\n"
    "compares per invocation with an earlier session (svg and folded): red\n"
    "grew, blue shrank.\n"
    "\n"
    "example:\n"
    "  validprof flamegraph --hook post-edit -o post-edit.svg\n"
    "  validprof flamegraph --kind offcpu --format folded | flamegraph.pl > offcpu.svg\n"
    "  validprof flamegraph --session 7 --diff 3 --hook post-edit -o what-validation-added.svg\n"
    "  validprof flamegraph --kind critical --hook post-edit -o why-post-edit-is-late.svg\n";

// Which invocation (and hook) a process belongs to, by pid.
struct Owner {
    std::int64_t invocation_id = 0;
    std::string hook;
    std::string process;
};

flamegraph::OffCpuState off_cpu_state(model::SampleKind kind) {
    switch (kind) {
        case model::SampleKind::OffCpuSleeping: return flamegraph::OffCpuState::kSleeping;
        case model::SampleKind::OffCpuBlocked: return flamegraph::OffCpuState::kBlocked;
        case model::SampleKind::Cpu: break;
    }
    return flamegraph::OffCpuState::kUnknown;
}

common::Result<flamegraph::Profile> load_profile(storage::ProfileDatabase& database, std::int64_t session_id) {
    auto session = database.load_session(session_id);
    if (!session) return session.error();
    auto stacks = database.load_stack_profile(session_id);
    if (!stacks) return stacks.error();
    if (stacks->settings.frequency_hz == 0)
        return common::make_error("session " + std::to_string(session_id) +
                                  " has no stack profile: record it with --stacks");
    if (stacks->samples.empty() && !session->complete)
        return common::make_error(
            "session " + std::to_string(session_id) + " was recorded with --stacks but " +
            (session->in_progress ? "is still being recorded" : "its recorder stopped before reading them") +
            ": stacks are aggregated in the kernel and stored when the session ends");
    auto invocations = database.load_invocations(session_id, std::nullopt, true);
    if (!invocations) return invocations.error();

    std::map<std::int32_t, Owner> owners;
    flamegraph::ProfileBuilder builder(1'000'000'000ull / stacks->settings.frequency_hz);
    for (const model::Invocation& invocation : *invocations) {
        builder.profile().invocations_per_hook[invocation.hook] += 1;
        for (const model::ProcessRecord& process : invocation.processes)
            owners.try_emplace(process.pid,
                               Owner{invocation.id, invocation.hook, process.comm.empty() ? "?" : process.comm});
    }
    for (const model::StackSample& stored : stacks->samples) {
        std::vector<flamegraph::Frame> frames;
        frames.reserve(stored.frames.size());
        for (const model::StackFrame& frame : stored.frames)
            // The full path where the session kept it (pprof's mappings).
            frames.push_back({frame.name, frame.path.empty() ? frame.module : frame.path, frame.module == "[kernel]",
                              frame.address, frame.build_id});
        flamegraph::StackSample sample;
        sample.kind = stored.kind == model::SampleKind::Cpu ? flamegraph::SampleKind::kCpu
                                                             : flamegraph::SampleKind::kOffCpu;
        sample.state = off_cpu_state(stored.kind);
        sample.count = stored.count;
        sample.weight_ns = stored.weight_ns;
        sample.pid = stored.pid;
        if (auto owner = owners.find(stored.pid); owner != owners.end()) {
            sample.hook = owner->second.hook;
            sample.invocation_id = owner->second.invocation_id;
            sample.process = owner->second.process;
        } else {
            sample.hook = "(outside invocations)";
            sample.process = "pid " + std::to_string(stored.pid);
        }
        builder.add(frames, std::move(sample));
    }
    flamegraph::Profile profile = builder.take();
    profile.name = "session " + std::to_string(session_id);
    profile.start_unix_ns = session->info.start_unix_ns;
    if (session->complete && session->end.end_unix_ns > session->info.start_unix_ns)
        profile.duration_ns = static_cast<std::uint64_t>(session->end.end_unix_ns - session->info.start_unix_ns);
    return profile;
}

// File and line of each user frame from its object's DWARF, for pprof
// (`go tool pprof -list`). Only pprof carries them, so only its export
// pays for reading DWARF. Objects are found by the build-id the session
// stored, through the path it stored when the file there still has it;
// frames without a file (the vDSO, JIT code) have no lines.
void add_source_lines(flamegraph::Profile& profile) {
    stacks::SourceLines lines;
    for (const flamegraph::Frame& frame : profile.frames)
        if (!frame.build_id.empty() && frame.module.starts_with('/')) lines.add_mapped_file(frame.build_id, frame.module);
    flamegraph::add_source_lines(profile, [&](const flamegraph::Frame& frame, bool return_address) {
        std::vector<flamegraph::SourceLine> chain;
        if (!frame.module.starts_with('/')) return chain;
        for (stacks::SourceLine& line : lines.lookup(frame.build_id, frame.address, return_address))
            chain.push_back({std::move(line.function), std::move(line.file), line.function_line, line.line});
        return chain;
    });
}

// The critical paths of the session's invocations as a profile of wall
// time (explain/critical_profile.h).
common::Result<flamegraph::Profile> load_critical_profile(storage::ProfileDatabase& database, std::int64_t session_id) {
    auto session = database.load_session(session_id);
    if (!session) return session.error();
    auto data = load_session_data(database, session_id, std::nullopt);
    if (!data) return data.error();
    auto stacks = database.load_stack_profile(session_id);
    if (!stacks) return stacks.error();
    flamegraph::ProfileBuilder builder(stacks->settings.frequency_hz ? 1'000'000'000ull / stacks->settings.frequency_hz : 0);
    for (const model::Invocation& invocation : data->invocations)
        if (invocation.complete) builder.profile().invocations_per_hook[invocation.hook] += 1;
    for (explain::CriticalSample& critical : explain::critical_samples(*data, {})) {
        std::vector<flamegraph::Frame> frames;
        frames.reserve(critical.frames.size());
        for (const model::StackFrame& frame : critical.frames)
            frames.push_back({frame.name, frame.module, frame.module == "[kernel]"});
        flamegraph::StackSample sample;
        // Wall time in nanoseconds, CPU or not: every piece is an off-CPU
        // style sample whose weight is its time.
        sample.kind = flamegraph::SampleKind::kOffCpu;
        sample.count = 1;
        sample.weight_ns = critical.ns;
        sample.pid = critical.pid;
        sample.hook = critical.hook;
        sample.invocation_id = critical.invocation_id;
        sample.process = critical.process;
        builder.add(frames, std::move(sample));
    }
    flamegraph::Profile profile = builder.take();
    profile.name = "session " + std::to_string(session_id) + ", critical path";
    profile.start_unix_ns = session->info.start_unix_ns;
    return profile;
}

}  // namespace

int run_flamegraph(const std::vector<std::string>& arguments) {
    CommonOptions common;
    std::int64_t session_id = 0;
    std::int64_t base_session = 0;
    std::int64_t invocation = 0;
    std::string hook, kind = "cpu", format_text = "svg", output;
    po::options_description description("flamegraph options");
    description.add_options()
        ("session", po::value<std::int64_t>(&session_id)->value_name("N"), "session id (default: the latest)")
        ("hook", po::value<std::string>(&hook)->value_name("NAME"), "only this hook's invocations")
        ("invocation", po::value<std::int64_t>(&invocation)->value_name("ID"), "only this invocation (ids: report --json)")
        ("kind", po::value<std::string>(&kind)->value_name("KIND"), "cpu (default), offcpu, wall or critical")
        ("format", po::value<std::string>(&format_text)->value_name("FORMAT"), "svg (default), folded, speedscope or pprof")
        ("diff", po::value<std::int64_t>(&base_session)->value_name("BASE_SESSION"),
         "differential graph against this session, per invocation (svg, folded)")
        ("output,o", po::value<std::string>(&output)->value_name("FILE"), "write here instead of standard output");
    add_common_options(description, common);
    auto values = parse_or_explain("flamegraph", arguments, description, kFlamegraphUsage, common);
    if (!values) return common.help ? 0 : 2;
    if (!check_ranges("flamegraph", *values,
                      {{"session", 1, kMaxRowId}, {"invocation", 1, kMaxRowId}, {"diff", 1, kMaxRowId}}))
        return 2;

    auto format = flamegraph::parse_format(format_text);
    if (!format) {
        print_error("flamegraph", format.error().message);
        return 2;
    }
    const bool critical = kind == "critical";
    auto view = critical ? common::Result<flamegraph::View>(flamegraph::View::kOffCpu) : flamegraph::parse_view(kind);
    if (!view) {
        print_error("flamegraph", view.error().message);
        return 2;
    }
    if (output.empty() && flamegraph::is_binary(*format) && ::isatty(STDOUT_FILENO)) {
        print_error("flamegraph", "pprof output is gzip-compressed binary: write it to a file with -o FILE");
        return 2;
    }

    auto database = storage::ProfileDatabase::open(resolve_database_path(common.database), storage::OpenMode::ReadOnly);
    if (!database) {
        print_error("flamegraph", database.error().message);
        return 1;
    }
    if (!values->count("session")) {
        auto latest = (*database)->latest_session_id();
        if (!latest || !*latest) {
            print_error("flamegraph", "no sessions in '" + (*database)->path() +
                                          "': record one with `sudo validprof record --stacks -- COMMAND`");
            return 1;
        }
        session_id = **latest;
    }
    if (critical && values->count("diff")) {
        print_error("flamegraph", "--diff compares sampled profiles: it does not apply to --kind critical");
        return 2;
    }
    auto profile = critical ? load_critical_profile(**database, session_id) : load_profile(**database, session_id);
    if (!profile) {
        print_error("flamegraph", profile.error().message);
        return 1;
    }

    flamegraph::ExportOptions options;
    options.selection.view = *view;
    if (!hook.empty()) options.selection.hook = hook;
    if (values->count("invocation")) options.selection.invocation = invocation;

    // Written to a temporary file beside -o and renamed over it only once
    // complete: a failed export leaves an existing file as it was.
    std::ofstream file;
    std::string temporary;
    struct RemoveUnlessRenamed {
        std::string& path;
        ~RemoveUnlessRenamed() {
            if (!path.empty()) std::remove(path.c_str());
        }
    } cleanup{temporary};
    if (!output.empty()) {
        temporary = output + ".tmp-" + std::to_string(::getpid());
        file.open(temporary, std::ios::binary | std::ios::trunc);
        if (!file) {
            temporary.clear();
            print_error("flamegraph", "cannot write '" + output + "'");
            return 1;
        }
    }
    std::ostream& out = output.empty() ? std::cout : file;

    common::Result<void> written = common::success();
    if (values->count("diff")) {
        auto base = load_profile(**database, base_session);
        if (!base) {
            print_error("flamegraph", base.error().message);
            return 1;
        }
        written = flamegraph::export_diff(out, *base, *profile, *format, options);
    } else {
        if (*format == flamegraph::Format::kPprof) add_source_lines(*profile);
        written = flamegraph::export_profile(out, *profile, *format, options);
    }
    if (!written) {
        print_error("flamegraph", written.error().message);
        return 1;
    }
    out.flush();
    if (!out) {
        print_error("flamegraph", "writing the output failed");
        return 1;
    }
    if (!output.empty()) {
        file.close();
        if (!file || std::rename(temporary.c_str(), output.c_str()) != 0) {
            print_error("flamegraph", "cannot write '" + output + "': " + std::strerror(errno));
            return 1;
        }
        temporary.clear();
    }
    return 0;
}

}  // namespace validprof::cli
