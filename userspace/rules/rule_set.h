// Hook rules: which exec starts a hook invocation.
//
// A rule is `NAME=REGEX`. It matches an exec when its regex (RE2 syntax,
// searched rather than fully matched) is found in the exec'd argv joined with
// spaces or in the executable path. Rules come from the catalogue compiled in
// from probes/hook-rules.conf, from a catalogue file (--rules) and from the
// command line (--hook); the first rule in order that matches names the
// invocation, so catalogues list specific rules before generic ones.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace re2 {
class RE2;
}

namespace validprof::rules {

struct Rule {
    std::string name;     // invocation name shown in reports, e.g. "post-edit"
    std::string pattern;  // the regex as written, kept for describe() and errors
    // Compiled `pattern`. RE2, not std::regex: it matches in time linear
    // in the argv whatever the pattern, where a backtracking engine took
    // exponential time on nested repetition ("(a*)*b", found by fuzzing)
    // and would have stalled the tracer's event loop on one exec. RE2's
    // syntax is ECMAScript's and Perl's for everything hook rules use
    // (classes, \d \s \S \w, anchors, groups, lazy quantifiers); it has
    // no backreferences or lookaround. Shared: RE2 is not copyable.
    std::shared_ptr<const re2::RE2> regex;
};

class RuleSet {
public:
    // One rule from its "NAME=REGEX" spec (as given to --hook). Whitespace
    // around the first '=' is trimmed. Errors name the rule:
    // "rule 'post-edit': invalid regex 'hooks (': <reason>".
    static common::Result<Rule> parse_rule(std::string_view spec);

    // A catalogue: `NAME = REGEX` lines, '#' comment lines, blank lines.
    // Errors are "ORIGIN:LINE: <what>" so they point into the file.
    static common::Result<RuleSet> parse(std::string_view text, std::string_view origin);

    // parse() of a file's contents; an unreadable file is an error naming it.
    static common::Result<RuleSet> load_file(const std::string& path);

    // The shipped catalogue (probes/hook-rules.conf embedded at build time,
    // so the binary needs no data files at run time).
    static const RuleSet& default_rules();

    // The text of that catalogue, comments included, for `--help`-style output.
    static std::string_view default_catalogue_text();

    void add(Rule rule);

    // First rule in order whose regex is found in `argv` or in `path`;
    // nullptr when none matches. The pointer is valid until the next add().
    const Rule* match(std::string_view argv, std::string_view path) const;

    // "NAME=REGEX\n" per rule, in order: stored with each session so a report
    // says which rules produced its invocations.
    std::string describe() const;

    bool empty() const { return rules_.empty(); }
    std::size_t size() const { return rules_.size(); }
    const std::vector<Rule>& rules() const { return rules_; }

private:
    std::vector<Rule> rules_;
};

}  // namespace validprof::rules
