#include "assess/report_document.h"

#include <sstream>

#include "assess/svg_chart.h"

namespace validprof::assess {
namespace {

std::string markdown_cell(const std::string& text) {
    std::string cell;
    for (char c : text) {
        if (c == '|')
            cell += "\\|";
        else if (c == '\n')
            cell += ' ';
        else
            cell += c;
    }
    return cell;
}

// Verdict words get a colour in HTML.
std::string html_cell(const std::string& text) {
    const std::string escaped = xml_text(text);
    for (const char* word : {"CRITICAL", "ROLL BACK", "WARNING", "HOLD", "OK", "PROCEED", "above", "below", "within",
                             "not measured", "SKIP"}) {
        if (text == word) {
            std::string cls = text == "CRITICAL" || text == "ROLL BACK" || text == "above" ? "bad"
                              : text == "WARNING" || text == "HOLD" || text == "below"     ? "warn"
                              : text == "not measured" || text == "SKIP"                    ? "muted"
                                                                                            : "good";
            return "<span class='" + cls + "'>" + escaped + "</span>";
        }
    }
    return escaped;
}

}  // namespace

void Document::heading(std::string text, int level) {
    Block block;
    block.kind = Block::Kind::Heading;
    block.level = level;
    block.text = std::move(text);
    blocks.push_back(std::move(block));
}

void Document::paragraph(std::string text) {
    Block block;
    block.kind = Block::Kind::Paragraph;
    block.text = std::move(text);
    blocks.push_back(std::move(block));
}

void Document::table(std::vector<std::string> header, std::vector<std::vector<std::string>> rows) {
    Block block;
    block.kind = Block::Kind::Table;
    block.header = std::move(header);
    block.rows = std::move(rows);
    blocks.push_back(std::move(block));
}

void Document::chart(std::string svg, std::string caption) {
    Block block;
    block.kind = Block::Kind::Chart;
    block.svg = std::move(svg);
    block.text = std::move(caption);
    blocks.push_back(std::move(block));
}

void Document::code(std::string text) {
    Block block;
    block.kind = Block::Kind::Code;
    block.text = std::move(text);
    blocks.push_back(std::move(block));
}

std::string render_markdown(const Document& document) {
    std::ostringstream out;
    out << "# " << document.title << "\n";
    for (const Block& block : document.blocks) {
        out << "\n";
        switch (block.kind) {
            case Block::Kind::Heading: out << std::string(static_cast<std::size_t>(block.level), '#') << " " << block.text << "\n"; break;
            case Block::Kind::Paragraph: out << block.text << "\n"; break;
            case Block::Kind::Chart: out << "*Chart in report.html: " << block.text << "*\n"; break;
            case Block::Kind::Code: out << "```\n" << block.text << (block.text.ends_with('\n') ? "" : "\n") << "```\n"; break;
            case Block::Kind::Table: {
                out << "|";
                for (const std::string& cell : block.header) out << " " << markdown_cell(cell) << " |";
                out << "\n|";
                for (std::size_t i = 0; i < block.header.size(); ++i) out << "---|";
                out << "\n";
                for (const auto& row : block.rows) {
                    out << "|";
                    for (const std::string& cell : row) out << " " << markdown_cell(cell) << " |";
                    out << "\n";
                }
                break;
            }
        }
    }
    return out.str();
}

std::string render_html(const Document& document) {
    std::ostringstream out;
    out << "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'/>\n<title>" << xml_text(document.title)
        << "</title>\n<style>\n"
           "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\n"
           "table{border-collapse:collapse;margin:0.6em 0 1.2em;font-size:0.9em}\n"
           "th,td{border:1px solid #ccc;padding:0.25em 0.6em;text-align:left;vertical-align:top}\n"
           "th{background:#f3f3f3}\n"
           "pre{background:#f6f6f6;padding:0.8em;overflow-x:auto;font-size:0.85em}\n"
           "figure{margin:0.8em 0 1.4em}figcaption{font-size:0.85em;color:#555}\n"
           "svg.chart{font-family:system-ui,sans-serif;background:#fff;border:1px solid #eee}\n"
           ".good{color:#1a7f37;font-weight:600}.warn{color:#b35900;font-weight:600}.bad{color:#c00;font-weight:700}.muted{color:#777}\n"
           "</style>\n</head>\n<body>\n<h1>"
        << xml_text(document.title) << "</h1>\n";
    for (const Block& block : document.blocks) {
        switch (block.kind) {
            case Block::Kind::Heading:
                out << "<h" << block.level << ">" << xml_text(block.text) << "</h" << block.level << ">\n";
                break;
            case Block::Kind::Paragraph: out << "<p>" << xml_text(block.text) << "</p>\n"; break;
            case Block::Kind::Chart:
                out << "<figure>" << block.svg << "<figcaption>" << xml_text(block.text) << "</figcaption></figure>\n";
                break;
            case Block::Kind::Code: out << "<pre>" << xml_text(block.text) << "</pre>\n"; break;
            case Block::Kind::Table:
                out << "<table><thead><tr>";
                for (const std::string& cell : block.header) out << "<th>" << xml_text(cell) << "</th>";
                out << "</tr></thead><tbody>\n";
                for (const auto& row : block.rows) {
                    out << "<tr>";
                    for (const std::string& cell : row) out << "<td>" << html_cell(cell) << "</td>";
                    out << "</tr>\n";
                }
                out << "</tbody></table>\n";
                break;
        }
    }
    out << "</body>\n</html>\n";
    return out.str();
}

}  // namespace validprof::assess
