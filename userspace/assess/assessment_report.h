// The assessment as a document: decisions first (recommendation per
// stage), then the evidence (latency per stage with the SLA lines, p99 with
// intervals, CPU per core, phases, consensus, SQLite, memory), the seed's
// projections against the measurements, every check line, and the command
// lines that reproduce each figure.
#pragma once

#include "assess/assessment.h"
#include "assess/report_document.h"

namespace validprof::assess {

Document build_report(const Assessment& assessment);

}  // namespace validprof::assess
