#include "text/text_colour.h"

#include <cctype>

namespace validprof::text {
namespace {

constexpr std::string_view kRed = "\033[31m";
constexpr std::string_view kYellow = "\033[33m";
constexpr std::string_view kBold = "\033[1m";
constexpr std::string_view kReset = "\033[0m";

bool starts_with(std::string_view line, std::string_view prefix) { return line.substr(0, prefix.size()) == prefix; }

bool contains(std::string_view line, std::string_view part) { return line.find(part) != std::string_view::npos; }

// "  lost events: 12": red unless the count is 0.
bool reports_losses(std::string_view line) {
    constexpr std::string_view kLost = "  lost events: ";
    if (!starts_with(line, kLost)) return false;
    const std::string_view count = line.substr(kLost.size());
    return !count.empty() && std::isdigit(static_cast<unsigned char>(count[0])) && count[0] != '0';
}

// "#3  post-edit  wall 98.1 ms ..." (report's slowest invocations).
bool slow_invocation_heading(std::string_view line) {
    return line.size() > 1 && line[0] == '#' && std::isdigit(static_cast<unsigned char>(line[1]));
}

// explain: "  1. cpu   77% ..." or "      1. fsync ...": the top cause.
bool top_cause(std::string_view line) {
    const auto first = line.find_first_not_of(' ');
    return first != std::string_view::npos && first >= 2 && starts_with(line.substr(first), "1. ");
}

std::string_view colour_of(std::string_view line) {
    if (reports_losses(line) || contains(line, "INCOMPLETE") || contains(line, "events were lost")) return kRed;
    if (contains(line, "WARNING") || contains(line, "warning:") || contains(line, "IN PROGRESS")) return kYellow;
    if (slow_invocation_heading(line) || top_cause(line)) return kBold;
    return {};
}

}  // namespace

std::string colourize(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        const bool has_newline = end != std::string_view::npos;
        if (!has_newline) end = text.size();
        const std::string_view line = text.substr(start, end - start);
        const std::string_view colour = colour_of(line);
        if (!colour.empty() && !line.empty()) {
            out += colour;
            out += line;
            out += kReset;
        } else {
            out += line;
        }
        if (has_newline) out += '\n';
        start = end + 1;
    }
    return out;
}

}  // namespace validprof::text
