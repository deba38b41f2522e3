#include "text/text_layout.h"

#include <algorithm>

namespace validprof::text {

namespace {

bool is_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

}  // namespace

std::size_t display_width(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return !is_continuation(static_cast<unsigned char>(c));
    }));
}

std::string to_valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = 0;
        // Bounds of the second byte exclude overlong forms, UTF-16
        // surrogates and code points above U+10FFFF (RFC 3629, table 3-7 of
        // the Unicode standard).
        unsigned char second_min = 0x80;
        unsigned char second_max = 0xBF;
        if (lead < 0x80) {
            length = 1;
        } else if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            if (lead == 0xE0) second_min = 0xA0;
            if (lead == 0xED) second_max = 0x9F;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            if (lead == 0xF0) second_min = 0x90;
            if (lead == 0xF4) second_max = 0x8F;
        }
        bool valid = length > 0 && i + length <= text.size();
        for (std::size_t k = 1; valid && k < length; ++k) {
            const auto byte = static_cast<unsigned char>(text[i + k]);
            valid = k == 1 ? byte >= second_min && byte <= second_max : is_continuation(byte);
        }
        if (valid) {
            out.append(text.substr(i, length));
            i += length;
        } else {
            out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
            ++i;
        }
    }
    return out;
}

std::string sanitize(std::string_view text) {
    const std::string valid = to_valid_utf8(text);
    std::string out;
    out.reserve(valid.size());
    for (std::size_t i = 0; i < valid.size(); ++i) {
        const auto byte = static_cast<unsigned char>(valid[i]);
        // U+0080..U+009F is 0xC2 0x80..0x9F in UTF-8.
        if (byte == 0xC2 && i + 1 < valid.size() && static_cast<unsigned char>(valid[i + 1]) <= 0x9F) {
            out.push_back('?');
            ++i;
            continue;
        }
        out.push_back(byte < 0x20 || byte == 0x7F ? '?' : valid[i]);
    }
    return out;
}

std::string truncate(std::string_view text, std::size_t width) {
    if (display_width(text) <= width) return std::string(text);
    if (width == 0) return {};
    // Keep width - 1 code points, then the ellipsis.
    std::size_t kept = 0;
    std::size_t end = 0;
    while (end < text.size()) {
        if (!is_continuation(static_cast<unsigned char>(text[end]))) {
            if (kept == width - 1) break;
            ++kept;
        }
        ++end;
    }
    return std::string(text.substr(0, end)) + "…";
}

std::string truncate_start(std::string_view text, std::size_t width) {
    const std::size_t have = display_width(text);
    if (have <= width) return std::string(text);
    if (width == 0) return {};
    // Skip code points from the front until width - 1 remain.
    std::size_t skip = have - (width - 1);
    std::size_t at = 0;
    while (at < text.size() && skip > 0) {
        ++at;
        while (at < text.size() && is_continuation(static_cast<unsigned char>(text[at]))) ++at;
        --skip;
    }
    return "…" + std::string(text.substr(at));
}

std::string pad_right(std::string_view text, std::size_t width) {
    std::string out(text);
    const std::size_t shown = display_width(text);
    if (shown < width) out.append(width - shown, ' ');
    return out;
}

std::string pad_left(std::string_view text, std::size_t width) {
    const std::size_t shown = display_width(text);
    std::string out;
    if (shown < width) out.assign(width - shown, ' ');
    out.append(text);
    return out;
}

TextTable::TextTable(std::vector<std::string> headers, std::vector<Align> aligns)
    : headers_(std::move(headers)), aligns_(std::move(aligns)) {
    aligns_.resize(headers_.size(), Align::kLeft);
}

void TextTable::add_row(std::vector<std::string> cells) {
    cells.resize(headers_.size());
    rows_.push_back(std::move(cells));
}

void TextTable::set_elastic(std::size_t column, std::size_t min_width, Cut cut) {
    elastic_ = column;
    elastic_min_ = min_width;
    elastic_cut_ = cut;
}

void TextTable::set_drop_order(std::vector<std::size_t> columns) { drop_order_ = std::move(columns); }

std::string TextTable::render(std::string_view indent, std::size_t max_width) const {
    const std::size_t columns = headers_.size();
    std::vector<std::size_t> widths(columns);
    for (std::size_t c = 0; c < columns; ++c) {
        widths[c] = display_width(headers_[c]);
        for (const auto& row : rows_) widths[c] = std::max(widths[c], display_width(row[c]));
    }
    std::vector<bool> shown(columns, true);
    auto total = [&] {
        std::size_t sum = display_width(indent);
        std::size_t visible = 0;
        for (std::size_t c = 0; c < columns; ++c)
            if (shown[c]) {
                sum += widths[c];
                ++visible;
            }
        return sum + (visible > 1 ? 2 * (visible - 1) : 0);
    };
    std::vector<std::string> hidden;
    if (max_width > 0) {
        if (elastic_ < columns && total() > max_width) {
            const std::size_t excess = total() - max_width;
            const std::size_t floor = std::max(elastic_min_, display_width(headers_[elastic_]));
            widths[elastic_] = widths[elastic_] > floor + excess ? widths[elastic_] - excess
                                                                 : std::min(widths[elastic_], floor);
        }
        for (std::size_t column : drop_order_) {
            if (total() <= max_width) break;
            if (column < columns && shown[column]) {
                shown[column] = false;
                hidden.push_back(headers_[column]);
            }
        }
    }
    auto line = [&](const std::vector<std::string>& cells) {
        std::string out(indent);
        std::size_t last = 0;
        for (std::size_t c = 0; c < columns; ++c)
            if (shown[c]) last = c;
        bool first = true;
        for (std::size_t c = 0; c < columns; ++c) {
            if (!shown[c]) continue;
            if (!first) out += "  ";
            first = false;
            const std::string cell = c == elastic_ && elastic_cut_ == Cut::kStart ? truncate_start(cells[c], widths[c])
                                                                                  : truncate(cells[c], widths[c]);
            if (aligns_[c] == Align::kRight) {
                out += pad_left(cell, widths[c]);
            } else {
                // No trailing blanks after the last column.
                out += c == last ? cell : pad_right(cell, widths[c]);
            }
        }
        // An empty last cell leaves the gap before it: no trailing blanks.
        while (!out.empty() && out.back() == ' ') out.pop_back();
        if (max_width > 0) out = truncate(out, max_width);
        out += '\n';
        return out;
    };
    std::string out = line(headers_);
    for (const auto& row : rows_) out += line(row);
    if (!hidden.empty()) {
        std::string names;
        for (const std::string& name : hidden) names += (names.empty() ? "" : ", ") + name;
        out += wrap_lines(std::string(indent) + "(hidden at " + std::to_string(max_width) + " columns: " + names +
                              "; --wide shows them)\n",
                          max_width);
    }
    return out;
}

std::string wrap_lines(std::string_view text, std::size_t width) {
    if (width == 0) return std::string(text);
    std::string out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        const bool has_newline = end != std::string_view::npos;
        if (!has_newline) end = text.size();
        const std::string_view line = text.substr(start, end - start);
        start = has_newline ? end + 1 : end;

        const std::size_t indent = std::min(line.find_first_not_of(' '), line.size());
        // Continuation indent, bounded so that some room is always left.
        const std::string continuation(std::min(indent + 2, width / 2), ' ');
        std::string piece(line);
        std::size_t lead = indent;  // blanks at the piece's start that are not break points
        while (display_width(piece) > width) {
            // The last space that leaves at most `width` columns before it.
            std::size_t cut = std::string::npos;
            std::size_t columns = 0;
            for (std::size_t i = 0; i < piece.size() && columns <= width; ++i) {
                if (is_continuation(static_cast<unsigned char>(piece[i]))) continue;
                if (piece[i] == ' ' && i > lead) cut = i;
                ++columns;
            }
            if (cut == std::string::npos) break;  // one word wider than the room: cut below
            out.append(piece, 0, cut);
            out += '\n';
            const std::size_t next = piece.find_first_not_of(' ', cut);
            piece = continuation + (next == std::string::npos ? std::string() : piece.substr(next));
            lead = continuation.size();
        }
        out += truncate(piece, width);
        if (has_newline) out += '\n';
    }
    return out;
}

}  // namespace validprof::text
