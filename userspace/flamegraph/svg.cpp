#include "flamegraph/svg.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "flamegraph/palette.h"
#include "flamegraph/svg_script.h"
#include "flamegraph/xml_escape.h"
#include "text/duration_format.h"
#include "text/text_layout.h"

namespace validprof::flamegraph {

namespace {

constexpr unsigned kMargin = 10;       // px left and right of the frames
constexpr unsigned kHeaderHeight = 54; // title, subtitle, buttons
constexpr unsigned kFooterHeight = 28; // details line, matched share
constexpr std::string_view kMatchFill = "rgb(230,0,230)";

// Pixels with three decimals, trailing zeros dropped: enough for the script
// to zoom into a 0.1 px frame without visible drift, and integer formatting
// keeps a large document fast to write.
void append_px(std::string& out, double px) {
    if (!(px > 0)) px = 0;
    const auto milli = static_cast<std::uint64_t>(std::llround(px * 1000.0));
    out += std::to_string(milli / 1000);
    unsigned frac = static_cast<unsigned>(milli % 1000);
    if (frac == 0) return;
    char digits[4] = {static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                      static_cast<char>('0' + frac % 10), 0};
    int len = 3;
    while (len > 0 && digits[len - 1] == '0') --len;
    out.push_back('.');
    out.append(digits, static_cast<std::size_t>(len));
}

std::string percent_of(std::uint64_t part, std::uint64_t total) {
    if (total == 0) return "0%";
    char text[32];
    std::snprintf(text, sizeof text, "%.2f%%", 100.0 * static_cast<double>(part) / static_cast<double>(total));
    return text;
}

std::string signed_value(std::uint64_t base, std::uint64_t value, ValueUnit unit) {
    if (value >= base) return "+" + format_value(value - base, unit);
    return "-" + format_value(base - value, unit);
}

std::string default_title(View view, bool differential) {
    std::string title;
    switch (view) {
        case View::kCpu: title = "On-CPU flame graph"; break;
        case View::kOffCpu: title = "Off-CPU flame graph"; break;
        case View::kWall: title = "Wall-clock flame graph (leaves: _[c] on-CPU, _[o] off-CPU)"; break;
    }
    if (differential) title = "Differential " + title.replace(0, 1, 1, static_cast<char>(std::tolower(title[0])));
    return title;
}

struct Placed {
    std::uint32_t node;
    double x;
};

}  // namespace

std::string format_value(std::uint64_t value, ValueUnit unit) {
    if (unit == ValueUnit::kSamples) return std::to_string(value) + (value == 1 ? " sample" : " samples");
    return std::to_string(value) + " ns (" + text::format_duration(value) + ")";
}

common::Result<void> render_svg(std::ostream& out, const SvgGraph& graph, const SvgOptions& options) {
    const FrameTree& tree = *graph.tree;
    const std::vector<Label>& labels = *graph.labels;
    const TreeNode& root = tree.node(FrameTree::kRoot);
    const std::uint64_t total = root.value;
    const unsigned width = std::max(options.width, 2 * kMargin + 100);
    const double x0 = kMargin;
    const double w0 = width - 2.0 * kMargin;
    const double scale = total > 0 ? w0 / static_cast<double>(total) : 0.0;
    const double char_width = 0.6 * options.font_size;
    const unsigned frame_height = std::max(options.frame_height, 4u);

    // Place the nodes wide enough to draw, depth first and left to right, so
    // the document lists each frame before the frames above it.
    std::vector<Placed> placed;
    std::vector<Placed> pending{{FrameTree::kRoot, x0}};
    std::uint32_t max_depth = 0;
    while (!pending.empty()) {
        const Placed at = pending.back();
        pending.pop_back();
        placed.push_back(at);
        max_depth = std::max(max_depth, tree.node(at.node).depth);
        double x = at.x;
        const std::size_t first = pending.size();
        for (std::uint32_t child : tree.children(at.node)) {
            const double w = static_cast<double>(tree.node(child).value) * scale;
            if (w >= options.min_width_px && w > 0) pending.push_back({child, x});
            x += w;
        }
        std::reverse(pending.begin() + static_cast<std::ptrdiff_t>(first), pending.end());
    }

    const unsigned height = kHeaderHeight + (max_depth + 1) * frame_height + kFooterHeight;
    auto frame_y = [&](std::uint32_t depth) {
        return static_cast<double>(height - kFooterHeight - (depth + 1) * frame_height);
    };

    // Titles carry profile and hook names: cleaned like frame names, since
    // XML 1.0 has no way to carry control characters at all.
    const std::string title =
        text::sanitize(options.title.empty() ? default_title(graph.view, graph.differential) : options.title);
    std::string subtitle = text::sanitize(options.subtitle);
    if (subtitle.empty()) {
        if (graph.differential) {
            auto amount = [&](std::uint64_t value) {
                return graph.unit == ValueUnit::kNanoseconds ? text::format_duration(value)
                                                              : format_value(value, graph.unit);
            };
            const std::string per = graph.per_invocation ? " per invocation" : "";
            subtitle = "widths: new, " + amount(total) + per + "; base " + amount(root.base) + per +
                       "; red grew, blue shrank";
        } else {
            subtitle = std::string(view_name(graph.view)) + ": " + format_value(total, graph.unit) +
                       "; click to zoom, Ctrl-F to search";
        }
    }

    std::string doc;
    doc.reserve(placed.size() * 200 + 16384);
    doc += "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n";
    doc += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + std::to_string(width) +
           "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " +
           std::to_string(height) + "\" font-size=\"" + std::to_string(options.font_size) +
           "\" onload=\"vp_init()\" data-total=\"" + std::to_string(total) + "\" data-unit=\"" +
           std::string(unit_name(graph.unit)) + "\" data-view=\"" + std::string(view_name(graph.view)) + "\"";
    if (graph.differential) doc += " data-base-total=\"" + std::to_string(root.base) + "\"";
    doc += " data-x0=\"";
    append_px(doc, x0);
    doc += "\" data-w0=\"";
    append_px(doc, w0);
    doc += "\" data-char-width=\"";
    append_px(doc, char_width);
    doc += "\" data-text-dy=\"";
    append_px(doc, frame_height * 0.75);
    doc += "\" data-match-fill=\"" + std::string(kMatchFill) + "\">\n<title>";
    append_xml_escaped(doc, title);
    doc += "</title>\n<style type=\"text/css\"><![CDATA[";
    doc += kSvgStyle;
    doc += "]]></style>\n<script type=\"text/ecmascript\"><![CDATA[";
    doc += kSvgScript;
    doc += "]]></script>\n";
    doc += "<rect x=\"0\" y=\"0\" width=\"" + std::to_string(width) + "\" height=\"" + std::to_string(height) +
           "\" fill=\"#fbfbf6\"/>\n";
    doc += "<text id=\"title\" x=\"" + std::to_string(width / 2) + "\" y=\"24\">";
    append_xml_escaped(doc, title);
    doc += "</text>\n<text id=\"subtitle\" x=\"" + std::to_string(width / 2) + "\" y=\"42\">";
    append_xml_escaped(doc, subtitle);
    doc += "</text>\n<text id=\"reset\" class=\"button\" x=\"10\" y=\"24\" style=\"opacity:0\">Reset Zoom</text>\n";
    doc += "<text id=\"search\" class=\"button\" x=\"" + std::to_string(width - kMargin) + "\" y=\"24\">Search</text>\n";
    doc += "<text id=\"details\" x=\"10\" y=\"" + std::to_string(height - 10) + "\"> </text>\n";
    doc += "<text id=\"matched\" x=\"" + std::to_string(width - kMargin) + "\" y=\"" + std::to_string(height - 10) +
           "\"> </text>\n<g id=\"frames\">\n";

    auto flush = [&] {
        out.write(doc.data(), static_cast<std::streamsize>(doc.size()));
        doc.clear();
    };

    for (const Placed& at : placed) {
        const TreeNode& node = tree.node(at.node);
        const bool is_root = at.node == FrameTree::kRoot;
        const Label* label = is_root ? nullptr : &labels[node.label];
        const std::string_view name = is_root ? std::string_view("all") : std::string_view(label->text);
        const double w = static_cast<double>(node.value) * scale;
        const double y = frame_y(node.depth);

        doc += "<g><title>";
        append_xml_escaped(doc, name);
        doc.push_back('\n');
        if (graph.differential) {
            doc += "new " + format_value(node.value, graph.unit) + ", base " + format_value(node.base, graph.unit);
            if (graph.per_invocation) doc += ", per invocation";
            char change[32];
            std::snprintf(change, sizeof change, "%+.1f%%", 100.0 * relative_change(node.base, node.value));
            doc += "\nchange " + signed_value(node.base, node.value, graph.unit) + " (" + change + " of the larger)";
        } else {
            doc += format_value(node.value, graph.unit) + ", " + percent_of(node.value, total) + " of all";
        }
        if (label && !label->module.empty()) {
            doc += "\nmodule ";
            append_xml_escaped(doc, text::sanitize(label->module));
        }
        const Rgb fill = graph.differential ? diff_color(node.base, node.value)
                         : is_root           ? Rgb{200, 200, 200}
                                             : frame_color(*label, graph.view);
        doc += "</title><rect x=\"";
        append_px(doc, at.x);
        doc += "\" y=\"";
        append_px(doc, y);
        doc += "\" width=\"";
        append_px(doc, w);
        doc += "\" height=\"" + std::to_string(frame_height - 1) + "\" fill=\"" + css_color(fill) + "\" rx=\"2\"/>";
        const auto fit = static_cast<long>(std::floor((w - 6.0) / char_width));
        if (fit >= 3) {
            doc += "<text x=\"";
            append_px(doc, at.x + 3);
            doc += "\" y=\"";
            append_px(doc, y + frame_height * 0.75);
            doc += "\">";
            append_xml_escaped(doc, text::truncate(name, static_cast<std::size_t>(fit)));
            doc += "</text>";
        }
        doc += "</g>\n";
        if (doc.size() > (1u << 20)) flush();
    }
    doc += "</g>\n</svg>\n";
    flush();
    out.flush();
    if (!out) return common::make_error("writing the SVG flame graph failed");
    return common::success();
}

common::Result<void> write_svg(std::ostream& out, const StackSet& stacks, const SvgOptions& options) {
    std::vector<TreeStack> input;
    input.reserve(stacks.stacks.size());
    for (const WeightedStack& stack : stacks.stacks) input.push_back({stack.labels, stack.value, 0});
    const FrameTree tree(std::move(input), alphabetical_ranks(stacks.labels));
    SvgGraph graph;
    graph.tree = &tree;
    graph.labels = &stacks.labels;
    graph.unit = stacks.unit;
    graph.view = stacks.view;
    return render_svg(out, graph, options);
}

common::Result<void> write_svg(std::ostream& out, const Profile& profile, const Selection& selection,
                               const SvgOptions& options) {
    auto stacks = collect_stacks(profile, selection, Scale::kNative);
    if (!stacks) return stacks.error();
    SvgOptions with_title = options;
    if (with_title.title.empty()) {
        with_title.title = default_title(selection.view, false);
        if (!profile.name.empty()) with_title.title += ": " + profile.name;
        if (selection.hook) with_title.title += ", hook " + *selection.hook;
        if (selection.invocation) with_title.title += ", invocation " + std::to_string(*selection.invocation);
    }
    return write_svg(out, *stacks, with_title);
}

}  // namespace validprof::flamegraph
