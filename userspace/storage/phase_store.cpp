// ProfileDatabase: USDT phase executions and their per-CPU on-CPU times.
#include "storage/profile_database.h"

namespace validprof::storage {

common::Result<void> ProfileDatabase::store_phase_executions(std::int64_t session_id,
                                                             const std::vector<model::PhaseExecution>& batch) {
    if (batch.empty()) return common::success();
    const std::string what = "store phases of session " + std::to_string(session_id);
    auto transaction = Transaction::begin_immediate(connection_);
    if (!transaction) return failure(what, transaction.error());
    if (auto exists = require_session(session_id); !exists) return exists.error();
    auto insert = Statement::prepare(connection_.get(),
                                     "INSERT INTO phase_executions(session_id, pid, tid, provider, phase, start_ns, "
                                     "end_ns, on_cpu_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                     false);
    if (!insert) return failure(what, insert.error());
    auto insert_cpu = Statement::prepare(
        connection_.get(), "INSERT INTO phase_cpu_times(phase_execution_id, cpu, on_cpu_ns) VALUES (?, ?, ?)", false);
    if (!insert_cpu) return failure(what, insert_cpu.error());
    for (const model::PhaseExecution& phase : batch) {
        insert->bind_int(1, session_id);
        insert->bind_int(2, phase.pid);
        insert->bind_int(3, phase.tid);
        insert->bind_text(4, phase.provider);
        insert->bind_text(5, phase.phase);
        insert->bind_int(6, static_cast<std::int64_t>(phase.start_ns));
        insert->bind_int(7, static_cast<std::int64_t>(phase.end_ns));
        insert->bind_int(8, static_cast<std::int64_t>(phase.on_cpu_ns));
        if (auto done = insert->run(); !done) return failure(what, done.error());
        std::int64_t id = connection_.last_insert_rowid();
        for (const auto& [cpu, ns] : phase.on_cpu_ns_per_cpu) {
            insert_cpu->bind_int(1, id);
            insert_cpu->bind_int(2, cpu);
            insert_cpu->bind_int(3, static_cast<std::int64_t>(ns));
            if (auto done = insert_cpu->run(); !done) return failure(what, done.error());
        }
    }
    if (auto committed = transaction->commit(); !committed) return failure(what, committed.error());
    return common::success();
}

common::Result<std::vector<model::PhaseExecution>> ProfileDatabase::load_phase_executions(std::int64_t session_id) {
    const std::string what = "load phases of session " + std::to_string(session_id);
    if (auto exists = require_session(session_id); !exists) return exists.error();
    auto select = Statement::prepare(
        connection_.get(),
        "SELECT p.id, p.pid, p.tid, p.provider, p.phase, p.start_ns, p.end_ns, p.on_cpu_ns, c.cpu, c.on_cpu_ns "
        "FROM phase_executions p LEFT JOIN phase_cpu_times c ON c.phase_execution_id = p.id "
        "WHERE p.session_id = ? ORDER BY p.start_ns, p.id, c.cpu",
        false);
    if (!select) return failure(what, select.error());
    select->bind_int(1, session_id);
    std::vector<model::PhaseExecution> phases;
    std::int64_t current_id = -1;
    while (true) {
        auto row = select->step();
        if (!row) return failure(what, row.error());
        if (!*row) break;
        std::int64_t id = select->column_int(0);
        if (id != current_id) {
            current_id = id;
            model::PhaseExecution phase;
            phase.pid = static_cast<std::int32_t>(select->column_int(1));
            phase.tid = static_cast<std::int32_t>(select->column_int(2));
            phase.provider = select->column_text(3);
            phase.phase = select->column_text(4);
            phase.start_ns = static_cast<std::uint64_t>(select->column_int(5));
            phase.end_ns = static_cast<std::uint64_t>(select->column_int(6));
            phase.on_cpu_ns = static_cast<std::uint64_t>(select->column_int(7));
            phases.push_back(std::move(phase));
        }
        if (!select->column_is_null(8))
            phases.back().on_cpu_ns_per_cpu[static_cast<std::uint32_t>(select->column_int(8))] =
                static_cast<std::uint64_t>(select->column_int(9));
    }
    return phases;
}

}  // namespace validprof::storage
