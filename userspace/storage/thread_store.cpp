// ProfileDatabase: each process's threads (model::ThreadRecord).
#include "storage/profile_database.h"
#include "storage/sql_values.h"

namespace validprof::storage {

common::Result<void> ProfileDatabase::store_threads(std::int64_t process_id,
                                                   const std::vector<model::ThreadRecord>& threads) {
    if (threads.empty()) return common::success();
    auto insert = Statement::prepare(connection_.get(),
                                     "INSERT INTO threads (process_id, tid, creator_tid, start_ns, exiting_ns, end_ns, "
                                     "exited, " VP_SCHED_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                     false);
    if (!insert) return insert.error();
    for (const model::ThreadRecord& thread : threads) {
        insert->bind_int(1, process_id);
        insert->bind_int(2, thread.tid);
        insert->bind_int(3, thread.creator_tid);
        insert->bind_int(4, to_sql(thread.start_ns));
        insert->bind_int(5, to_sql(thread.exiting_ns));
        insert->bind_int(6, to_sql(thread.end_ns));
        insert->bind_int(7, thread.exited ? 1 : 0);
        bind_sched_times(*insert, 8, thread.times);
        if (auto done = insert->run(); !done) return done.error();
    }
    return common::success();
}

common::Result<void> ProfileDatabase::load_threads(
    std::int64_t session_id, const std::optional<std::string>& hook,
    const std::function<model::ProcessRecord*(std::int64_t)>& process_of) {
    auto select = Statement::prepare(
        connection_.get(),
        "SELECT t.process_id, t.tid, t.creator_tid, t.start_ns, t.exiting_ns, t.end_ns, t.exited, t.on_cpu_ns, "
        "t.run_queue_wait_ns, t.off_cpu_sleep_ns, t.off_cpu_blocked_ns, t.voluntary_switches, t.involuntary_switches "
        "FROM threads t JOIN processes p ON p.id = t.process_id JOIN invocations i ON i.id = p.invocation_id "
        "WHERE i.session_id = ?1 AND (?2 IS NULL OR i.hook = ?2) ORDER BY t.process_id, t.start_ns, t.tid",
        false);
    if (!select) return select.error();
    select->bind_int(1, session_id);
    if (hook) {
        select->bind_text(2, *hook);
    } else {
        select->bind_null(2);
    }
    for (;;) {
        auto row = select->step();
        if (!row) return row.error();
        if (!*row) break;
        model::ProcessRecord* process = process_of(select->column_int(0));
        if (!process) continue;
        model::ThreadRecord thread;
        thread.tid = static_cast<std::int32_t>(select->column_int(1));
        thread.creator_tid = static_cast<std::int32_t>(select->column_int(2));
        thread.start_ns = from_sql(select->column_int(3));
        thread.exiting_ns = from_sql(select->column_int(4));
        thread.end_ns = from_sql(select->column_int(5));
        thread.exited = select->column_int(6) != 0;
        read_sched_times(*select, 7, thread.times);
        process->thread_records.push_back(std::move(thread));
    }
    // The main thread first among threads that started together, as stored.
    return common::success();
}

}  // namespace validprof::storage
