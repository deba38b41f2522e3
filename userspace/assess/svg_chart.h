// Inline SVG charts for the assessment report, drawn here so the HTML has
// no external resources (no script, no font, no image). Each chart is a
// function of plain numbers; the report decides what to plot.
#pragma once

#include <string>
#include <vector>

namespace validprof::assess {

// One row of a latency strip chart: every sample as a tick on a log axis,
// p50 and p99 marked.
struct LatencyRow {
    std::string label;
    std::vector<double> samples_ns;
    double p50_ns = 0;
    double p99_ns = 0;
};

// Rows share one log-scale axis; vertical lines at each SLA limit.
std::string latency_strip_chart(const std::vector<LatencyRow>& rows, const std::vector<double>& sla_ns);

// A bar per row with an error bar (its interval); SLA lines as above.
struct IntervalBar {
    std::string label;
    double value = 0;
    double low = 0;
    double high = 0;
    bool has_interval = false;
};
std::string interval_bar_chart(const std::vector<IntervalBar>& bars, const std::vector<double>& sla_ns,
                               const std::string& unit_label);

// Stacked horizontal bars: per row, segments with a legend (e.g. hooks
// outside validation, validation), values in percent of a whole.
struct StackedRow {
    std::string label;
    std::vector<double> values;
};
std::string stacked_bar_chart(const std::vector<StackedRow>& rows, const std::vector<std::string>& legend,
                              const std::string& unit_label);

std::string xml_text(const std::string& text);

}  // namespace validprof::assess
