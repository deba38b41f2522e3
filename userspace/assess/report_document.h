// A report as a list of blocks (headings, paragraphs, tables, charts,
// code), rendered twice: Markdown (report.md) and a self-contained HTML
// page (report.html). One model keeps the two reports saying the same.
#pragma once

#include <string>
#include <vector>

namespace validprof::assess {

struct Block {
    enum class Kind { Heading, Paragraph, Table, Chart, Code };
    Kind kind = Kind::Paragraph;
    int level = 2;                                 // Heading
    std::string text;                              // Heading, Paragraph, Code; Chart: its caption
    std::vector<std::string> header;               // Table
    std::vector<std::vector<std::string>> rows;    // Table
    std::string svg;                               // Chart (HTML only; Markdown shows the caption)
};

struct Document {
    std::string title;
    std::vector<Block> blocks;

    void heading(std::string text, int level = 2);
    void paragraph(std::string text);
    void table(std::vector<std::string> header, std::vector<std::vector<std::string>> rows);
    void chart(std::string svg, std::string caption);
    void code(std::string text);
};

std::string render_markdown(const Document& document);
// Self-contained: inline CSS and SVG, no script, no external resource.
std::string render_html(const Document& document);

}  // namespace validprof::assess
