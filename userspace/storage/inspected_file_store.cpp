// ProfileDatabase: the gate's inspected files, kept across sessions
// (model/inspected_file.h).
#include "storage/profile_database.h"
#include "storage/sql_values.h"

namespace validprof::storage {

common::Result<void> ProfileDatabase::store_inspected_files(const std::vector<model::InspectedFile>& files) {
    if (files.empty()) return common::success();
    const std::string what = "store the inspected files";
    auto transaction = Transaction::begin_immediate(connection_);
    if (!transaction) return failure(what, transaction.error());
    // One row per file. A file still as it was keeps what earlier sessions
    // found for the kinds this one did not look for; a changed one starts over.
    auto upsert = Statement::prepare(
        connection_.get(),
        "INSERT INTO inspected_files (device, inode, size, ctime_ns, path, usdt_checked, usdt_phases, "
        "sqlite_checked, sqlite_functions) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
        "ON CONFLICT (device, inode) DO UPDATE SET "
        "usdt_checked = CASE WHEN excluded.usdt_checked THEN 1 WHEN size = excluded.size AND ctime_ns = "
        "excluded.ctime_ns THEN usdt_checked ELSE 0 END, "
        "usdt_phases = CASE WHEN excluded.usdt_checked THEN excluded.usdt_phases WHEN size = excluded.size AND "
        "ctime_ns = excluded.ctime_ns THEN usdt_phases ELSE 0 END, "
        "sqlite_checked = CASE WHEN excluded.sqlite_checked THEN 1 WHEN size = excluded.size AND ctime_ns = "
        "excluded.ctime_ns THEN sqlite_checked ELSE 0 END, "
        "sqlite_functions = CASE WHEN excluded.sqlite_checked THEN excluded.sqlite_functions WHEN size = "
        "excluded.size AND ctime_ns = excluded.ctime_ns THEN sqlite_functions ELSE 0 END, "
        "size = excluded.size, ctime_ns = excluded.ctime_ns, path = excluded.path",
        false);
    if (!upsert) return failure(what, upsert.error());
    for (const model::InspectedFile& file : files) {
        upsert->bind_int(1, file.device);
        upsert->bind_int(2, to_sql(file.inode));
        upsert->bind_int(3, to_sql(file.size));
        upsert->bind_int(4, file.ctime_ns);
        upsert->bind_text(5, file.path);
        upsert->bind_int(6, file.found.usdt_checked ? 1 : 0);
        upsert->bind_int(7, to_sql(file.found.usdt_phases));
        upsert->bind_int(8, file.found.sqlite_checked ? 1 : 0);
        upsert->bind_int(9, to_sql(file.found.sqlite_functions));
        if (auto done = upsert->run(); !done) return failure(what, done.error());
    }
    if (auto committed = transaction->commit(); !committed) return failure(what, committed.error());
    return common::success();
}

common::Result<std::vector<model::InspectedFile>> ProfileDatabase::load_inspected_files() {
    const std::string what = "load the inspected files";
    auto select = Statement::prepare(connection_.get(),
                                     "SELECT device, inode, size, ctime_ns, path, usdt_checked, usdt_phases, "
                                     "sqlite_checked, sqlite_functions FROM inspected_files ORDER BY path",
                                     false);
    if (!select) return failure(what, select.error());
    std::vector<model::InspectedFile> files;
    for (;;) {
        auto row = select->step();
        if (!row) return failure(what, row.error());
        if (!*row) break;
        model::InspectedFile file;
        file.device = static_cast<std::uint32_t>(select->column_int(0));
        file.inode = from_sql(select->column_int(1));
        file.size = from_sql(select->column_int(2));
        file.ctime_ns = select->column_int(3);
        file.path = select->column_text(4);
        file.found.usdt_checked = select->column_int(5) != 0;
        file.found.usdt_phases = from_sql(select->column_int(6));
        file.found.sqlite_checked = select->column_int(7) != 0;
        file.found.sqlite_functions = from_sql(select->column_int(8));
        files.push_back(std::move(file));
    }
    return files;
}

}  // namespace validprof::storage
