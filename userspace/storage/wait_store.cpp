// ProfileDatabase: waits of hook threads with their reasons (model/wait.h).
#include "storage/profile_database.h"
#include "storage/sql_values.h"

namespace validprof::storage {

common::Result<void> ProfileDatabase::store_waits(std::int64_t session_id,
                                                  const std::vector<model::WaitInterval>& batch) {
    if (batch.empty()) return common::success();
    const std::string what = "store waits of session " + std::to_string(session_id);
    auto transaction = Transaction::begin_immediate(connection_);
    if (!transaction) return failure(what, transaction.error());
    if (auto exists = require_session(session_id); !exists) return exists.error();
    auto insert = Statement::prepare(
        connection_.get(),
        "INSERT INTO waits (session_id, pid, tid, off_ns, woken_ns, on_ns, on_cpu_before_ns, run_queue_before_ns, "
        "state, syscall, arg0, arg1, arg2, waker_pid, waker_tid, waker_in_interrupt, waker_comm, woken_by_observer, "
        "holder_pid, holder_tid, holder_tracked, holder_comm, object, object_inode, object_device, object_path, "
        "socket_family, socket_type, socket_peer, socket_peer_port) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
        "?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)",
        false);
    if (!insert) return failure(what, insert.error());
    for (const model::WaitInterval& wait : batch) {
        Statement& s = *insert;
        s.bind_int(1, session_id);
        s.bind_int(2, wait.pid);
        s.bind_int(3, wait.tid);
        s.bind_int(4, to_sql(wait.off_ns));
        s.bind_int(5, to_sql(wait.woken_ns));
        s.bind_int(6, to_sql(wait.on_ns));
        s.bind_int(7, to_sql(wait.on_cpu_before_ns));
        s.bind_int(8, to_sql(wait.run_queue_before_ns));
        s.bind_int(9, static_cast<std::int64_t>(wait.state));
        s.bind_int(10, wait.syscall);
        s.bind_int(11, to_sql(wait.args[0]));
        s.bind_int(12, to_sql(wait.args[1]));
        s.bind_int(13, to_sql(wait.args[2]));
        s.bind_int(14, wait.waker_pid);
        s.bind_int(15, wait.waker_tid);
        s.bind_int(16, wait.waker_in_interrupt ? 1 : 0);
        s.bind_text(17, wait.waker_comm);
        s.bind_int(18, wait.woken_by_observer ? 1 : 0);
        s.bind_int(19, wait.holder_pid);
        s.bind_int(20, wait.holder_tid);
        s.bind_int(21, wait.holder_tracked ? 1 : 0);
        s.bind_text(22, wait.holder_comm);
        s.bind_int(23, static_cast<std::int64_t>(wait.object));
        s.bind_int(24, to_sql(wait.object_inode));
        s.bind_int(25, wait.object_device);
        s.bind_text(26, wait.object_path);
        s.bind_int(27, wait.socket_family);
        s.bind_int(28, wait.socket_type);
        s.bind_text(29, wait.socket_peer);
        s.bind_int(30, wait.socket_peer_port);
        if (auto done = s.run(); !done) return failure(what, done.error());
    }
    if (auto committed = transaction->commit(); !committed) return failure(what, committed.error());
    return common::success();
}

common::Result<std::vector<model::WaitInterval>> ProfileDatabase::load_waits(std::int64_t session_id) {
    const std::string what = "load waits of session " + std::to_string(session_id);
    if (auto exists = require_session(session_id); !exists) return exists.error();
    auto select = Statement::prepare(
        connection_.get(),
        "SELECT pid, tid, off_ns, woken_ns, on_ns, on_cpu_before_ns, run_queue_before_ns, state, syscall, arg0, arg1, "
        "arg2, waker_pid, waker_tid, waker_in_interrupt, waker_comm, woken_by_observer, holder_pid, holder_tid, "
        "holder_tracked, holder_comm, object, object_inode, object_device, object_path, socket_family, socket_type, "
        "socket_peer, socket_peer_port FROM waits WHERE session_id = ? ORDER BY pid, tid, off_ns, id",
        false);
    if (!select) return failure(what, select.error());
    select->bind_int(1, session_id);
    std::vector<model::WaitInterval> waits;
    for (;;) {
        auto row = select->step();
        if (!row) return failure(what, row.error());
        if (!*row) break;
        const Statement& s = *select;
        model::WaitInterval wait;
        wait.pid = static_cast<std::int32_t>(s.column_int(0));
        wait.tid = static_cast<std::int32_t>(s.column_int(1));
        wait.off_ns = from_sql(s.column_int(2));
        wait.woken_ns = from_sql(s.column_int(3));
        wait.on_ns = from_sql(s.column_int(4));
        wait.on_cpu_before_ns = from_sql(s.column_int(5));
        wait.run_queue_before_ns = from_sql(s.column_int(6));
        std::int64_t state = s.column_int(7);
        wait.state = state >= 1 && state <= 4 ? static_cast<model::WaitState>(state) : model::WaitState::Sleeping;
        wait.syscall = s.column_int(8);
        wait.args = {from_sql(s.column_int(9)), from_sql(s.column_int(10)), from_sql(s.column_int(11))};
        wait.waker_pid = static_cast<std::int32_t>(s.column_int(12));
        wait.waker_tid = static_cast<std::int32_t>(s.column_int(13));
        wait.waker_in_interrupt = s.column_int(14) != 0;
        wait.waker_comm = s.column_text(15);
        wait.woken_by_observer = s.column_int(16) != 0;
        wait.holder_pid = static_cast<std::int32_t>(s.column_int(17));
        wait.holder_tid = static_cast<std::int32_t>(s.column_int(18));
        wait.holder_tracked = s.column_int(19) != 0;
        wait.holder_comm = s.column_text(20);
        std::int64_t object = s.column_int(21);
        wait.object = object >= 0 && object <= 7 ? static_cast<model::WaitObject>(object) : model::WaitObject::Other;
        wait.object_inode = from_sql(s.column_int(22));
        wait.object_device = static_cast<std::uint32_t>(s.column_int(23));
        wait.object_path = s.column_text(24);
        wait.socket_family = static_cast<std::uint16_t>(s.column_int(25));
        wait.socket_type = static_cast<std::uint32_t>(s.column_int(26));
        wait.socket_peer = s.column_text(27);
        wait.socket_peer_port = static_cast<std::uint16_t>(s.column_int(28));
        waits.push_back(std::move(wait));
    }
    return waits;
}

common::Result<void> ProfileDatabase::store_syscall_spans(std::int64_t session_id,
                                                          const std::vector<model::SyscallSpan>& batch) {
    if (batch.empty()) return common::success();
    const std::string what = "store system calls of session " + std::to_string(session_id);
    auto transaction = Transaction::begin_immediate(connection_);
    if (!transaction) return failure(what, transaction.error());
    if (auto exists = require_session(session_id); !exists) return exists.error();
    auto insert = Statement::prepare(connection_.get(),
                                     "INSERT INTO syscall_spans (session_id, pid, tid, syscall, start_ns, end_ns, "
                                     "result, arg0, arg1) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                     false);
    if (!insert) return failure(what, insert.error());
    for (const model::SyscallSpan& span : batch) {
        insert->bind_int(1, session_id);
        insert->bind_int(2, span.pid);
        insert->bind_int(3, span.tid);
        insert->bind_int(4, span.syscall);
        insert->bind_int(5, to_sql(span.start_ns));
        insert->bind_int(6, to_sql(span.end_ns));
        insert->bind_int(7, span.result);
        insert->bind_int(8, to_sql(span.arg0));
        insert->bind_int(9, to_sql(span.arg1));
        if (auto done = insert->run(); !done) return failure(what, done.error());
    }
    if (auto committed = transaction->commit(); !committed) return failure(what, committed.error());
    return common::success();
}

common::Result<std::vector<model::SyscallSpan>> ProfileDatabase::load_syscall_spans(std::int64_t session_id) {
    const std::string what = "load system calls of session " + std::to_string(session_id);
    if (auto exists = require_session(session_id); !exists) return exists.error();
    auto select = Statement::prepare(connection_.get(),
                                     "SELECT pid, tid, syscall, start_ns, end_ns, result, arg0, arg1 FROM syscall_spans "
                                     "WHERE session_id = ? ORDER BY pid, tid, start_ns, id",
                                     false);
    if (!select) return failure(what, select.error());
    select->bind_int(1, session_id);
    std::vector<model::SyscallSpan> spans;
    for (;;) {
        auto row = select->step();
        if (!row) return failure(what, row.error());
        if (!*row) break;
        model::SyscallSpan span;
        span.pid = static_cast<std::int32_t>(select->column_int(0));
        span.tid = static_cast<std::int32_t>(select->column_int(1));
        span.syscall = select->column_int(2);
        span.start_ns = from_sql(select->column_int(3));
        span.end_ns = from_sql(select->column_int(4));
        span.result = select->column_int(5);
        span.arg0 = from_sql(select->column_int(6));
        span.arg1 = from_sql(select->column_int(7));
        spans.push_back(span);
    }
    return spans;
}

}  // namespace validprof::storage
