#include "cli/session_sample.h"

#include "report/report_data.h"

namespace validprof::cli {

common::Result<compare::SessionSample> load_session_sample(storage::ProfileDatabase& database,
                                                           std::int64_t session_id) {
    auto session = database.load_session(session_id);  // "no session N" when it does not exist
    if (!session) return session.error();
    compare::SessionSample sample;
    sample.session_id = session_id;
    auto invocations = database.load_invocations(session_id, std::nullopt, true);
    if (!invocations) return invocations.error();
    sample.invocations = std::move(*invocations);
    const report::SessionSpan span = report::session_span(*session, sample.invocations);
    if (span.known) sample.wall_ns = span.duration_ns;
    auto phases = database.load_phase_executions(session_id);
    if (!phases) return phases.error();
    sample.phases = std::move(*phases);
    auto recorded_sql = database.sqlite_activity_recorded(session_id);
    if (!recorded_sql) return recorded_sql.error();
    if (*recorded_sql) {
        auto activity = database.load_sqlite_activity(session_id);
        if (!activity) return activity.error();
        sample.sqlite = std::move(*activity);
    }
    return sample;
}

}  // namespace validprof::cli
