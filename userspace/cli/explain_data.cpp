#include "cli/explain_data.h"

namespace validprof::cli {

common::Result<explain::SessionData> load_session_data(storage::ProfileDatabase& database, std::int64_t session_id,
                                                       const std::optional<std::string>& hook) {
    explain::SessionData data;
    data.session_id = session_id;
    auto invocations = database.load_invocations(session_id, hook, true);
    if (!invocations) return invocations.error();
    data.invocations = std::move(*invocations);
    auto waits = database.load_waits(session_id);
    if (!waits) return waits.error();
    data.waits = std::move(*waits);
    auto spans = database.load_syscall_spans(session_id);
    if (!spans) return spans.error();
    data.spans = std::move(*spans);
    auto phases = database.load_phase_executions(session_id);
    if (!phases) return phases.error();
    data.phases = std::move(*phases);
    auto recorded_sql = database.sqlite_activity_recorded(session_id);
    if (!recorded_sql) return recorded_sql.error();
    if (*recorded_sql) {
        auto activity = database.load_sqlite_activity(session_id);
        if (!activity) return activity.error();
        data.statements = std::move(activity->statements);
    }
    auto profile = database.load_stack_profile(session_id);
    if (!profile) return profile.error();
    for (model::StackSample& sample : profile->samples)
        if (sample.kind == model::SampleKind::Cpu) data.cpu_samples.push_back(std::move(sample));
    return data;
}


}  // namespace validprof::cli
