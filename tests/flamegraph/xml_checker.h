// A small XML 1.0 well-formedness checker and reader for the SVG tests: the
// subset a generated document may use (declaration, processing
// instructions, comments, elements, attributes, character and entity
// references, CDATA), and a strict refusal of anything else. Written for the
// tests so they do not depend on a parser package; xmllint, when installed,
// checks the same documents independently (svg_test.cpp).
#pragma once

#include <cctype>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace validprof::flamegraph::testing {

struct XmlElement {
    std::string name;
    std::map<std::string, std::string> attributes;  // values unescaped
    std::vector<std::unique_ptr<XmlElement>> children;
    std::string text;  // all character data directly inside, unescaped, CDATA included

    const XmlElement* child(std::string_view child_name) const {
        for (const auto& c : children) {
            if (c->name == child_name) return c.get();
        }
        return nullptr;
    }
    // Depth-first search by tag and, optionally, id attribute.
    const XmlElement* find(std::string_view tag, std::string_view id = {}) const {
        if (name == tag && (id.empty() || (attributes.count("id") && attributes.at("id") == id))) return this;
        for (const auto& c : children) {
            if (const XmlElement* found = c->find(tag, id)) return found;
        }
        return nullptr;
    }
    void collect(std::string_view tag, std::vector<const XmlElement*>& out) const {
        if (name == tag) out.push_back(this);
        for (const auto& c : children) c->collect(tag, out);
    }
};

class XmlError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class XmlReader {
public:
    // Throws XmlError (with the byte offset) unless `text` is a well-formed document.
    static std::unique_ptr<XmlElement> parse(std::string_view text) {
        XmlReader reader(text);
        return reader.document();
    }

private:
    explicit XmlReader(std::string_view text) : s_(text) {}

    [[noreturn]] void fail(const std::string& what) const {
        throw XmlError(what + " at byte " + std::to_string(i_));
    }
    bool starts(std::string_view prefix) const { return s_.substr(i_, prefix.size()) == prefix; }
    bool at_end() const { return i_ >= s_.size(); }
    char peek() const { return at_end() ? '\0' : s_[i_]; }

    static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
    static bool is_name_start(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':' ||
               static_cast<unsigned char>(c) >= 0x80;
    }
    static bool is_name_char(char c) {
        return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
    }

    void skip_space() {
        while (!at_end() && is_space(s_[i_])) ++i_;
    }

    // Every character must be a legal XML Char and the bytes valid UTF-8.
    void check_chars() const {
        std::size_t k = 0;
        while (k < s_.size()) {
            const auto c = static_cast<unsigned char>(s_[k]);
            std::size_t len = 0;
            std::uint32_t cp = 0;
            if (c < 0x80) {
                len = 1;
                cp = c;
            } else if (c >= 0xC2 && c <= 0xDF) {
                len = 2;
                cp = c & 0x1F;
            } else if (c >= 0xE0 && c <= 0xEF) {
                len = 3;
                cp = c & 0x0F;
            } else if (c >= 0xF0 && c <= 0xF4) {
                len = 4;
                cp = c & 0x07;
            } else {
                throw XmlError("invalid UTF-8 lead byte at byte " + std::to_string(k));
            }
            if (k + len > s_.size()) throw XmlError("truncated UTF-8 at byte " + std::to_string(k));
            for (std::size_t j = 1; j < len; ++j) {
                const auto b = static_cast<unsigned char>(s_[k + j]);
                if ((b & 0xC0) != 0x80) throw XmlError("invalid UTF-8 continuation at byte " + std::to_string(k + j));
                cp = (cp << 6) | (b & 0x3F);
            }
            const bool legal = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                               (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
            if (!legal) throw XmlError("character U+" + std::to_string(cp) + " not allowed in XML at byte " + std::to_string(k));
            k += len;
        }
    }

    std::string name() {
        if (!is_name_start(peek())) fail("expected a name");
        const std::size_t start = i_;
        while (!at_end() && is_name_char(s_[i_])) ++i_;
        return std::string(s_.substr(start, i_ - start));
    }

    static void append_code_point(std::string& out, std::uint32_t cp) {
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    }

    // At '&': one of the five predefined entities or a character reference.
    void reference(std::string& out) {
        ++i_;
        const std::size_t end = s_.find(';', i_);
        if (end == std::string_view::npos || end - i_ > 10) fail("unterminated reference");
        const std::string_view ref = s_.substr(i_, end - i_);
        if (ref == "amp") out += '&';
        else if (ref == "lt") out += '<';
        else if (ref == "gt") out += '>';
        else if (ref == "quot") out += '"';
        else if (ref == "apos") out += '\'';
        else if (ref.size() > 1 && ref[0] == '#') {
            const bool hex = ref[1] == 'x';
            const std::string digits(ref.substr(hex ? 2 : 1));
            if (digits.empty()) fail("empty character reference");
            for (char c : digits) {
                if (!(hex ? std::isxdigit(static_cast<unsigned char>(c)) : std::isdigit(static_cast<unsigned char>(c))))
                    fail("bad character reference");
            }
            const auto cp = static_cast<std::uint32_t>(std::stoul(digits, nullptr, hex ? 16 : 10));
            const bool legal = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                               (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
            if (!legal) fail("character reference to an illegal character");
            append_code_point(out, cp);
        } else {
            fail("undefined entity '" + std::string(ref) + "'");
        }
        i_ = end + 1;
    }

    void comment() {  // at "<!--"
        i_ += 4;
        const std::size_t end = s_.find("--", i_);
        if (end == std::string_view::npos || s_.substr(end, 3) != "-->") fail("bad comment");
        i_ = end + 3;
    }

    void processing_instruction() {  // at "<?"
        i_ += 2;
        const std::string target = name();
        const std::size_t end = s_.find("?>", i_);
        if (end == std::string_view::npos) fail("unterminated processing instruction");
        i_ = end + 2;
    }

    void misc() {
        for (;;) {
            skip_space();
            if (starts("<!--")) comment();
            else if (starts("<?")) processing_instruction();
            else return;
        }
    }

    std::unique_ptr<XmlElement> element(int depth) {
        if (depth > 10000) fail("nesting too deep");
        if (peek() != '<') fail("expected '<'");
        ++i_;
        auto e = std::make_unique<XmlElement>();
        e->name = name();
        for (;;) {
            const bool had_space = is_space(peek());
            skip_space();
            if (starts("/>")) {
                i_ += 2;
                return e;
            }
            if (peek() == '>') {
                ++i_;
                break;
            }
            if (!had_space) fail("expected whitespace before attribute");
            std::string attr = name();
            skip_space();
            if (peek() != '=') fail("expected '=' after attribute " + attr);
            ++i_;
            skip_space();
            const char quote = peek();
            if (quote != '"' && quote != '\'') fail("unquoted attribute value");
            ++i_;
            std::string value;
            while (peek() != quote) {
                if (at_end()) fail("unterminated attribute value");
                if (peek() == '<') fail("'<' in attribute value");
                if (peek() == '&') reference(value);
                else value.push_back(s_[i_++]);
            }
            ++i_;
            if (!e->attributes.emplace(attr, value).second) fail("duplicate attribute " + attr);
        }
        // Content.
        for (;;) {
            if (at_end()) fail("unclosed element <" + e->name + ">");
            if (starts("</")) {
                i_ += 2;
                const std::string closing = name();
                skip_space();
                if (peek() != '>') fail("bad end tag");
                ++i_;
                if (closing != e->name) fail("</" + closing + "> closes <" + e->name + ">");
                return e;
            }
            if (starts("<![CDATA[")) {
                i_ += 9;
                const std::size_t end = s_.find("]]>", i_);
                if (end == std::string_view::npos) fail("unterminated CDATA");
                e->text.append(s_.substr(i_, end - i_));
                i_ = end + 3;
            } else if (starts("<!--")) {
                comment();
            } else if (starts("<?")) {
                processing_instruction();
            } else if (peek() == '<') {
                e->children.push_back(element(depth + 1));
            } else if (peek() == '&') {
                reference(e->text);
            } else {
                if (starts("]]>")) fail("']]>' in character data");
                e->text.push_back(s_[i_++]);
            }
        }
    }

    std::unique_ptr<XmlElement> document() {
        check_chars();
        if (starts("<?xml")) processing_instruction();
        misc();
        if (starts("<!DOCTYPE")) fail("DOCTYPE not expected");
        auto root = element(0);
        misc();
        if (!at_end()) fail("content after the root element");
        return root;
    }

    std::string_view s_;
    std::size_t i_ = 0;
};

}  // namespace validprof::flamegraph::testing
