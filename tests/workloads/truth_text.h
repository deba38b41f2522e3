// SQL texts in workload truth lines: grouped by a simple normalization
// (literals become '?') and carried as one percent-encoded word each, since
// a truth line is split at white space. Shared by the SQLite workloads and
// the tests that read their truth.
#pragma once

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace validprof::workloads {

// Literals become '?': numbers (not the digits of "?1" placeholders or of
// identifiers), '...' strings and x'..' blobs. Runs of white space become
// one space, and leading/trailing space and a final ';' go. Enough to group
// "INSERT ... VALUES (7, 'row-7')" with its siblings; report::normalize_sql
// is validprof's own version of the idea.
inline std::string normalize_literals(std::string_view sql) {
    std::string out;
    std::size_t i = 0;
    auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; };
    while (i < sql.size()) {
        char c = sql[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
            if (!out.empty()) out += ' ';
            continue;
        }
        bool blob = (c == 'x' || c == 'X') && i + 1 < sql.size() && sql[i + 1] == '\'' && (out.empty() || !is_word(out.back()));
        if (c == '\'' || blob) {
            i += blob ? 2 : 1;
            while (i < sql.size()) {
                if (sql[i] == '\'' && i + 1 < sql.size() && sql[i + 1] == '\'') {
                    i += 2;
                } else if (sql[i] == '\'') {
                    ++i;
                    break;
                } else {
                    ++i;
                }
            }
            out += '?';
            continue;
        }
        if (std::isdigit(static_cast<unsigned char>(c)) && (out.empty() || (!is_word(out.back()) && out.back() != '?'))) {
            while (i < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '.')) ++i;
            out += '?';
            continue;
        }
        out += c;
        ++i;
    }
    while (!out.empty() && (out.back() == ' ' || out.back() == ';')) out.pop_back();
    return out;
}

// One word of a truth line: bytes other than [A-Za-z0-9] and a few
// punctuation marks become %XX.
inline std::string encode_truth_text(std::string_view text) {
    static const char* const kHex = "0123456789ABCDEF";
    std::string out;
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (std::isalnum(byte) || std::strchr("_.,()*?-+/<>!|:;", c)) {
            out += c;
        } else {
            out += '%';
            out += kHex[byte >> 4];
            out += kHex[byte & 15];
        }
    }
    return out;
}

inline std::string decode_truth_text(std::string_view word) {
    std::string out;
    for (std::size_t i = 0; i < word.size(); ++i) {
        if (word[i] == '%' && i + 2 < word.size()) {
            out += static_cast<char>(std::strtol(std::string(word.substr(i + 1, 2)).c_str(), nullptr, 16));
            i += 2;
        } else {
            out += word[i];
        }
    }
    return out;
}

}  // namespace validprof::workloads
