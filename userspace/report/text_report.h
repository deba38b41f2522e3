// `validprof report` for a terminal: session header with lost events, per
// hook wall-time percentiles and time breakdown, CPU per core, and the
// database (SQLite) activity per hook when it was recorded, the slowest
// invocations with their processes, and USDT phases.
#pragma once

#include <string>

#include "report/report_input.h"

namespace validprof::report {

std::string render_text(const ReportInput& input);

}  // namespace validprof::report
