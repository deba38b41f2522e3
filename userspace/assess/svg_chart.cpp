#include "assess/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace validprof::assess {
namespace {

constexpr int kWidth = 760;
constexpr int kLabelWidth = 190;
constexpr int kRowHeight = 26;
const char* const kColors[] = {"#4e79a7", "#e15759", "#f28e2b", "#76b7b2", "#59a14f"};

std::string number(double value) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.1f", value);
    return text;
}

std::string duration_label(double ns) {
    char text[32];
    if (ns >= 1e9)
        std::snprintf(text, sizeof(text), "%.3g s", ns / 1e9);
    else if (ns >= 1e6)
        std::snprintf(text, sizeof(text), "%.3g ms", ns / 1e6);
    else
        std::snprintf(text, sizeof(text), "%.3g µs", ns / 1e3);
    return text;
}

// A log10 axis over [low, high] mapped onto [left, right].
struct LogAxis {
    double low, high;
    int left, right;
    double x(double value) const {
        const double v = std::clamp(value, low, high);
        return left + (std::log10(v) - std::log10(low)) / (std::log10(high) - std::log10(low)) * (right - left);
    }
};

LogAxis axis_for(double low, double high, int left, int right) {
    low = std::max(low, 1e3);
    high = std::max(high, low * 10);
    // Whole decades, so ticks fall on round numbers.
    return {std::pow(10.0, std::floor(std::log10(low))), std::pow(10.0, std::ceil(std::log10(high))), left, right};
}

void axis_ticks(std::ostringstream& out, const LogAxis& axis, int top, int bottom) {
    for (double tick = axis.low; tick <= axis.high * 1.0001; tick *= 10) {
        const double x = axis.x(tick);
        out << "<line x1='" << number(x) << "' y1='" << top << "' x2='" << number(x) << "' y2='" << bottom
            << "' stroke='#ddd'/>"
            << "<text x='" << number(x) << "' y='" << bottom + 14 << "' font-size='11' text-anchor='middle'>"
            << duration_label(tick) << "</text>";
    }
}

void sla_lines(std::ostringstream& out, const LogAxis& axis, const std::vector<double>& sla_ns, int top, int bottom) {
    for (double sla : sla_ns) {
        if (sla < axis.low || sla > axis.high) continue;
        const double x = axis.x(sla);
        out << "<line x1='" << number(x) << "' y1='" << top - 4 << "' x2='" << number(x) << "' y2='" << bottom
            << "' stroke='#c00' stroke-dasharray='4,3'/>"
            << "<text x='" << number(x + 3) << "' y='" << top + 6 << "' font-size='11' fill='#c00'>SLA "
            << duration_label(sla) << "</text>";
    }
}

}  // namespace

std::string xml_text(const std::string& text) {
    std::string escaped;
    for (char c : text) {
        switch (c) {
            case '&': escaped += "&amp;"; break;
            case '<': escaped += "&lt;"; break;
            case '>': escaped += "&gt;"; break;
            case '"': escaped += "&quot;"; break;
            case '\'': escaped += "&#39;"; break;
            default: escaped += c;
        }
    }
    return escaped;
}

std::string latency_strip_chart(const std::vector<LatencyRow>& rows, const std::vector<double>& sla_ns) {
    double low = 1e18, high = 0;
    for (const LatencyRow& row : rows)
        for (double v : row.samples_ns) {
            low = std::min(low, v);
            high = std::max(high, v);
        }
    for (double sla : sla_ns) high = std::max(high, sla * 1.2);
    if (high == 0) low = 1e6, high = 1e9;
    const LogAxis axis = axis_for(low, high, kLabelWidth, kWidth - 20);
    const int top = 20;
    const int bottom = top + static_cast<int>(rows.size()) * kRowHeight;
    std::ostringstream out;
    out << "<svg xmlns='http://www.w3.org/2000/svg' class='chart' width='" << kWidth << "' height='" << bottom + 40
        << "' role='img'><title>latency distribution per scenario</title>";
    axis_ticks(out, axis, top, bottom);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const LatencyRow& row = rows[i];
        const int y = top + static_cast<int>(i) * kRowHeight + kRowHeight / 2;
        out << "<text x='" << kLabelWidth - 8 << "' y='" << y + 4 << "' font-size='12' text-anchor='end'>"
            << xml_text(row.label) << "</text>";
        for (std::size_t k = 0; k < row.samples_ns.size(); ++k) {
            // Deterministic vertical spread so overlapping samples stay visible.
            const int jitter = static_cast<int>((k * 7919) % 13) - 6;
            out << "<circle cx='" << number(axis.x(row.samples_ns[k])) << "' cy='" << y + jitter
                << "' r='2' fill='#4e79a7' fill-opacity='0.5'/>";
        }
        if (!row.samples_ns.empty()) {
            out << "<line x1='" << number(axis.x(row.p50_ns)) << "' y1='" << y - 10 << "' x2='" << number(axis.x(row.p50_ns))
                << "' y2='" << y + 10 << "' stroke='#222' stroke-width='2'><title>p50 " << duration_label(row.p50_ns)
                << "</title></line>";
            out << "<line x1='" << number(axis.x(row.p99_ns)) << "' y1='" << y - 10 << "' x2='" << number(axis.x(row.p99_ns))
                << "' y2='" << y + 10 << "' stroke='#e15759' stroke-width='2'><title>p99 " << duration_label(row.p99_ns)
                << "</title></line>";
        }
    }
    sla_lines(out, axis, sla_ns, top, bottom);
    out << "<text x='" << kLabelWidth << "' y='" << bottom + 32
        << "' font-size='11'>dots: invocations (log scale); black: p50; red: p99; dashed: SLA</text></svg>";
    return out.str();
}

std::string interval_bar_chart(const std::vector<IntervalBar>& bars, const std::vector<double>& sla_ns,
                               const std::string& unit_label) {
    double high = 0, low = 1e18;
    for (const IntervalBar& bar : bars) {
        high = std::max({high, bar.value, bar.has_interval ? bar.high : 0.0});
        if (bar.value > 0) low = std::min(low, bar.has_interval ? std::max(bar.low, 1.0) : bar.value);
    }
    for (double sla : sla_ns) high = std::max(high, sla * 1.2);
    if (high == 0) low = 1e6, high = 1e9;
    const LogAxis axis = axis_for(std::min(low, high) / 2, high, kLabelWidth, kWidth - 20);
    const int top = 20;
    const int bottom = top + static_cast<int>(bars.size()) * kRowHeight;
    std::ostringstream out;
    out << "<svg xmlns='http://www.w3.org/2000/svg' class='chart' width='" << kWidth << "' height='" << bottom + 40
        << "' role='img'><title>" << xml_text(unit_label) << "</title>";
    axis_ticks(out, axis, top, bottom);
    for (std::size_t i = 0; i < bars.size(); ++i) {
        const IntervalBar& bar = bars[i];
        const int y = top + static_cast<int>(i) * kRowHeight;
        out << "<text x='" << kLabelWidth - 8 << "' y='" << y + 17 << "' font-size='12' text-anchor='end'>"
            << xml_text(bar.label) << "</text>";
        out << "<rect x='" << kLabelWidth << "' y='" << y + 6 << "' width='" << number(axis.x(bar.value) - kLabelWidth)
            << "' height='" << kRowHeight - 12 << "' fill='#4e79a7'><title>" << duration_label(bar.value)
            << "</title></rect>";
        if (bar.has_interval)
            out << "<line x1='" << number(axis.x(bar.low)) << "' y1='" << y + kRowHeight / 2 << "' x2='"
                << number(axis.x(bar.high)) << "' y2='" << y + kRowHeight / 2 << "' stroke='#222' stroke-width='2'/>"
                << "<line x1='" << number(axis.x(bar.low)) << "' y1='" << y + 8 << "' x2='" << number(axis.x(bar.low))
                << "' y2='" << y + kRowHeight - 8 << "' stroke='#222'/>"
                << "<line x1='" << number(axis.x(bar.high)) << "' y1='" << y + 8 << "' x2='" << number(axis.x(bar.high))
                << "' y2='" << y + kRowHeight - 8 << "' stroke='#222'/>";
    }
    sla_lines(out, axis, sla_ns, top, bottom);
    out << "<text x='" << kLabelWidth << "' y='" << bottom + 32 << "' font-size='11'>" << xml_text(unit_label)
        << " (log scale); whiskers: 95% bootstrap interval; dashed: SLA</text></svg>";
    return out.str();
}

std::string stacked_bar_chart(const std::vector<StackedRow>& rows, const std::vector<std::string>& legend,
                              const std::string& unit_label) {
    double high = 0;
    for (const StackedRow& row : rows) {
        double sum = 0;
        for (double v : row.values) sum += v;
        high = std::max(high, sum);
    }
    high = std::max(high, 1.0);
    const int left = kLabelWidth, right = kWidth - 60;
    const int top = 10;
    const int bottom = top + static_cast<int>(rows.size()) * kRowHeight;
    std::ostringstream out;
    out << "<svg xmlns='http://www.w3.org/2000/svg' class='chart' width='" << kWidth << "' height='" << bottom + 44
        << "' role='img'><title>" << xml_text(unit_label) << "</title>";
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const int y = top + static_cast<int>(i) * kRowHeight;
        out << "<text x='" << left - 8 << "' y='" << y + 17 << "' font-size='12' text-anchor='end'>"
            << xml_text(rows[i].label) << "</text>";
        double x = left;
        double sum = 0;
        for (std::size_t k = 0; k < rows[i].values.size(); ++k) {
            const double width = rows[i].values[k] / high * (right - left);
            out << "<rect x='" << number(x) << "' y='" << y + 5 << "' width='" << number(width) << "' height='"
                << kRowHeight - 10 << "' fill='" << kColors[k % 5] << "'><title>"
                << xml_text(k < legend.size() ? legend[k] : "") << ": " << number(rows[i].values[k])
                << "</title></rect>";
            x += width;
            sum += rows[i].values[k];
        }
        out << "<text x='" << number(x + 4) << "' y='" << y + 17 << "' font-size='11'>" << number(sum) << "</text>";
    }
    double lx = left;
    for (std::size_t k = 0; k < legend.size(); ++k) {
        out << "<rect x='" << number(lx) << "' y='" << bottom + 8 << "' width='10' height='10' fill='" << kColors[k % 5]
            << "'/><text x='" << number(lx + 14) << "' y='" << bottom + 17 << "' font-size='11'>" << xml_text(legend[k])
            << "</text>";
        lx += 14 + 7.0 * static_cast<double>(legend[k].size()) + 20;
    }
    out << "<text x='" << left << "' y='" << bottom + 36 << "' font-size='11'>" << xml_text(unit_label) << "</text></svg>";
    return out.str();
}

}  // namespace validprof::assess
