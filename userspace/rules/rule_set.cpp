#include "rules/rule_set.h"

#include <re2/re2.h>

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <utility>

#include "rules/default_catalogue.h"

namespace validprof::rules {
namespace {

constexpr std::string_view kWhitespace = " \t\r\n\f\v";

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(kWhitespace);
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(kWhitespace);
    return s.substr(first, last - first + 1);
}

// Names end up in reports and in the database; whitespace in one would make
// `describe()` output (NAME=REGEX lines) ambiguous to read back.
bool valid_name(std::string_view name) {
    return !name.empty() && name.find_first_of(kWhitespace) == std::string_view::npos;
}

// Real rules are a few dozen bytes. These bounds came with std::regex, whose
// compiler recursed a few frames per term (a 100 KB pattern overflowed the
// stack); with RE2 they stay as the limits of a sane rule, so a rules file
// of garbage is refused with a reason rather than compiled into megabytes
// (the unit tests compile the worst case at the bounds).
constexpr std::size_t kMaxPatternBytes = 1024;
constexpr std::size_t kMaxNameBytes = 128;
constexpr int kMaxNesting = 32;

// Where the pattern would make the compiler recurse too deeply, why.
std::optional<std::string> too_complex(std::string_view pattern) {
    if (pattern.size() > kMaxPatternBytes)
        return "longer than " + std::to_string(kMaxPatternBytes) + " bytes (" + std::to_string(pattern.size()) + ")";
    int depth = 0;
    bool escaped = false;
    for (char c : pattern) {
        if (escaped) {
            escaped = false;
        } else if (c == '\\') {
            escaped = true;
        } else if (c == '(' || c == '[') {
            if (++depth > kMaxNesting) return "nested deeper than " + std::to_string(kMaxNesting) + " levels";
        } else if ((c == ')' || c == ']') && depth > 0) {
            --depth;
        }
    }
    return std::nullopt;
}

// A pattern quoted in an error message: a long one is cut, so the message
// stays one readable line.
std::string quoted_pattern(std::string_view pattern) {
    constexpr std::size_t kShown = 60;
    if (pattern.size() <= kShown) return std::string(pattern);
    return std::string(pattern.substr(0, kShown)) + "...";
}


}  // namespace

common::Result<Rule> RuleSet::parse_rule(std::string_view spec) {
    const auto eq = spec.find('=');
    if (eq == std::string_view::npos) {
        return common::make_error("hook rule '" + std::string(trim(spec)) +
                                  "': expected NAME=REGEX (no '=' found)");
    }
    const std::string_view name = trim(spec.substr(0, eq));
    const std::string_view pattern = trim(spec.substr(eq + 1));
    if (name.empty()) {
        return common::make_error("hook rule '" + std::string(trim(spec)) +
                                  "': empty rule name before '='");
    }
    if (name.size() > kMaxNameBytes) {
        return common::make_error("rule '" + quoted_pattern(name) + "': name longer than " +
                                  std::to_string(kMaxNameBytes) + " bytes");
    }
    if (!valid_name(name)) {
        return common::make_error("rule '" + std::string(name) + "': name must not contain whitespace");
    }
    // Found by fuzzing: a byte-order mark (U+FEFF, invisible) inside a
    // file, at the start of a rule's name, made a name that read back
    // differently once it began the stored rules (where a leading mark is
    // dropped as the file's). An invisible character has no place in a name.
    if (name.find("\xEF\xBB\xBF") != std::string_view::npos) {
        return common::make_error("rule '" + quoted_pattern(name) +
                                  "': name contains a byte-order mark (U+FEFF, invisible); remove it");
    }
    if (pattern.empty()) {
        // An empty regex matches every exec: certainly not what was meant.
        return common::make_error("rule '" + std::string(name) + "': empty regex after '='");
    }
    if (auto problem = too_complex(pattern))
        return common::make_error("rule '" + std::string(name) + "': regex '" + quoted_pattern(pattern) +
                                  "' is " + *problem);
    Rule rule{std::string(name), std::string(pattern), {}};
    RE2::Options options;
    options.set_log_errors(false);  // the error comes back in the result, once
    auto compiled = std::make_shared<const RE2>(rule.pattern, options);
    if (!compiled->ok()) {
        return common::make_error("rule '" + rule.name + "': invalid regex '" + quoted_pattern(rule.pattern) +
                                  "': " + compiled->error());
    }
    rule.regex = std::move(compiled);
    return rule;
}

common::Result<RuleSet> RuleSet::parse(std::string_view text, std::string_view origin) {
    // Editors on some systems save UTF-8 with a byte-order mark.
    constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
    if (text.substr(0, kByteOrderMark.size()) == kByteOrderMark) text.remove_prefix(kByteOrderMark.size());
    if (text.find('\0') != std::string_view::npos)
        return common::make_error(std::string(origin) + ": not a text file (it contains NUL bytes)");
    RuleSet set;
    std::size_t line_number = 0;
    while (!text.empty()) {
        const auto newline = text.find('\n');
        const std::string_view raw =
            newline == std::string_view::npos ? text : text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
        ++line_number;

        const std::string_view line = trim(raw);
        if (line.empty() || line.front() == '#') continue;

        auto rule = parse_rule(line);
        if (!rule) {
            return common::make_error(std::string(origin) + ":" + std::to_string(line_number) +
                                      ": " + rule.error().message);
        }
        set.add(std::move(rule).value());
    }
    return set;
}

common::Result<RuleSet> RuleSet::load_file(const std::string& path) {
    // A catalogue is a small text file. Anything else (a FIFO nobody writes
    // to, /dev/zero, a directory) would block, never end or fail obscurely.
    constexpr std::size_t kMaxFileBytes = 1 << 20;
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        const int err = errno;
        return common::make_error("cannot open hook rules file '" + path + "': " + std::strerror(err), err);
    }
    if (!S_ISREG(info.st_mode))
        return common::make_error("hook rules file '" + path + "' is not a regular file");
    if (static_cast<std::size_t>(info.st_size) > kMaxFileBytes)
        return common::make_error("hook rules file '" + path + "' is larger than 1 MiB (" +
                                  std::to_string(info.st_size) + " bytes)");
    // fopen rather than ifstream: errno is reliable after it, so the message
    // can say why (missing file, permissions).
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rbe"), &std::fclose);
    if (!file) {
        const int err = errno;
        return common::make_error("cannot open hook rules file '" + path + "': " + std::strerror(err), err);
    }
    std::string text;
    char buffer[4096];
    std::size_t n = 0;
    while (text.size() <= kMaxFileBytes && (n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0)
        text.append(buffer, n);
    if (std::ferror(file.get())) {
        const int err = errno;
        return common::make_error("cannot read hook rules file '" + path + "': " + std::strerror(err), err);
    }
    return parse(text, path);
}

const RuleSet& RuleSet::default_rules() {
    static const RuleSet rules = [] {
        auto parsed = parse(detail::kDefaultCatalogue, "probes/hook-rules.conf (built in)");
        if (!parsed) {
            // The catalogue is compiled in and parsed by the unit tests, so
            // this is a build defect, not something a user can fix.
            std::fprintf(stderr, "validprof: built-in hook rules are invalid: %s\n",
                         parsed.error().message.c_str());
            std::abort();
        }
        return std::move(parsed).value();
    }();
    return rules;
}

std::string_view RuleSet::default_catalogue_text() { return detail::kDefaultCatalogue; }

void RuleSet::add(Rule rule) { rules_.push_back(std::move(rule)); }

const Rule* RuleSet::match(std::string_view argv, std::string_view path) const {
    for (const Rule& rule : rules_) {
        if (RE2::PartialMatch(re2::StringPiece(argv.data(), argv.size()), *rule.regex) ||
            RE2::PartialMatch(re2::StringPiece(path.data(), path.size()), *rule.regex)) {
            return &rule;
        }
    }
    return nullptr;
}

std::string RuleSet::describe() const {
    std::string out;
    for (const Rule& rule : rules_) {
        out += rule.name;
        out += '=';
        out += rule.pattern;
        out += '\n';
    }
    return out;
}

}  // namespace validprof::rules
