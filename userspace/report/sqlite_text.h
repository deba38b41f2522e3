// SQLite activity for a terminal: the "Database (SQLite)" section of
// `validprof report` and the whole of `validprof report --sql`. Numbers come
// from sqlite_summary.h, so text and JSON agree.
#pragma once

#include <cstddef>
#include <string>

#include "report/report_input.h"

namespace validprof::report {

// The section the normal text report appends; "" when input.sqlite is
// nullopt (not recorded). A recorded but empty activity gives one line
// saying so, so "traced, nothing seen" never reads as "not traced".
std::string database_section_text(const ReportInput& input);

// `validprof report --sql [--hook H]`: the top_n normalized statements by
// total time (0: all), then the database files with their system calls.
std::string render_sql_text(const ReportInput& input, std::size_t top_n);

}  // namespace validprof::report
