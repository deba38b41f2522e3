#include "rules/claude_settings.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

namespace validprof::rules {
namespace {

// The longest command text a rule quotes: a rule's regex is bounded (see
// rule_set.cpp), and a command's first few hundred bytes identify it.
constexpr std::size_t kMaxQuotedCommand = 400;

bool is_regular_file(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

// The first `limit` bytes, never cutting a UTF-8 sequence in half.
std::string_view prefix_of(std::string_view text, std::size_t limit) {
    if (text.size() <= limit) return text;
    std::size_t end = limit;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return text.substr(0, end);
}

}  // namespace

std::string escape_regex(std::string_view text) {
    static constexpr std::string_view kSpecial = "\\^$.|?*+()[]{}";
    std::string escaped;
    escaped.reserve(text.size() * 2);
    for (char c : text) {
        if (kSpecial.find(c) != std::string_view::npos) escaped += '\\';
        escaped += c;
    }
    return escaped;
}

std::string claude_rule_name(std::string_view event, std::string_view matcher) {
    std::string name(event);
    if (!matcher.empty() && matcher != "*") {
        name += '[';
        for (char c : matcher) name += (c == ' ' || c == '\t' || c == '\n' || c == '\r') ? '_' : c;
        name += ']';
    }
    return name;
}

common::Result<std::vector<Rule>> rules_from_claude_settings(std::string_view json_text, std::string_view origin) {
    const std::string where(origin);
    nlohmann::json settings;
    try {
        settings = nlohmann::json::parse(json_text);
    } catch (const nlohmann::json::parse_error& error) {
        return common::make_error(where + ": malformed JSON at byte " + std::to_string(error.byte) + ": " +
                                  std::string(error.what()).substr(std::string(error.what()).find(':') + 2));
    } catch (const nlohmann::json::exception& error) {
        // Well-formed but not representable, e.g. a number beyond a double's
        // range (out_of_range.406). what() starts with "[json.exception.…] ".
        const std::string what = error.what();
        const auto bracket = what.find("] ");
        return common::make_error(where + ": unreadable JSON: " +
                                  (bracket == std::string::npos ? what : what.substr(bracket + 2)));
    }
    if (!settings.is_object()) return common::make_error(where + ": settings must be a JSON object");
    std::vector<Rule> rules;
    if (!settings.contains("hooks")) return rules;
    const nlohmann::json& hooks = settings["hooks"];
    if (!hooks.is_object()) return common::make_error(where + ": \"hooks\" must be an object of events");
    for (const auto& [event, entries] : hooks.items()) {
        const std::string at = where + ": hooks." + event;
        if (!entries.is_array()) return common::make_error(at + " must be an array");
        for (std::size_t i = 0; i < entries.size(); ++i) {
            const nlohmann::json& entry = entries[i];
            const std::string entry_at = at + "[" + std::to_string(i) + "]";
            if (!entry.is_object()) return common::make_error(entry_at + " must be an object");
            std::string matcher;
            if (entry.contains("matcher")) {
                if (!entry["matcher"].is_string()) return common::make_error(entry_at + ".matcher must be a string");
                matcher = entry["matcher"].get<std::string>();
            }
            if (!entry.contains("hooks") || !entry["hooks"].is_array())
                return common::make_error(entry_at + ".hooks must be an array of commands");
            const std::string name = claude_rule_name(event, matcher);
            int commands = 0;
            for (const nlohmann::json& hook : entry["hooks"]) {
                if (!hook.is_object()) return common::make_error(entry_at + ".hooks: each hook must be an object");
                // Only command hooks run a process; others have nothing to observe.
                if (hook.contains("type") && hook["type"] != "command") continue;
                if (!hook.contains("command") || !hook["command"].is_string())
                    return common::make_error(entry_at + ".hooks: a command hook needs a \"command\" string");
                const std::string command = hook["command"].get<std::string>();
                if (command.find_first_not_of(" \t\r\n") == std::string::npos)
                    return common::make_error(entry_at + ".hooks: empty command");
                ++commands;
                const std::string rule_name = commands == 1 ? name : name + "#" + std::to_string(commands);
                auto rule = RuleSet::parse_rule(rule_name + "=" + escape_regex(prefix_of(command, kMaxQuotedCommand)));
                if (!rule) return common::make_error(entry_at + ": " + rule.error().message);
                rules.push_back(std::move(*rule));
            }
        }
    }
    return rules;
}

common::Result<std::vector<Rule>> load_claude_settings(const std::string& path) {
    constexpr std::size_t kMaxBytes = 4u << 20;
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0)
        return common::make_error("cannot read Claude settings '" + path + "': " + std::strerror(errno), errno);
    if (!S_ISREG(info.st_mode)) return common::make_error("Claude settings '" + path + "' is not a regular file");
    if (static_cast<std::size_t>(info.st_size) > kMaxBytes)
        return common::make_error("Claude settings '" + path + "' is larger than 4 MiB");
    std::ifstream file(path, std::ios::binary);
    if (!file) return common::make_error("cannot read Claude settings '" + path + "'");
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    return rules_from_claude_settings(text, path);
}

std::optional<std::string> default_claude_settings_path() {
    const std::string project = ".claude/settings.json";
    if (is_regular_file(project)) return project;
    if (const char* home = std::getenv("HOME"); home && *home) {
        std::string user = std::string(home) + "/.claude/settings.json";
        if (is_regular_file(user)) return user;
    }
    return std::nullopt;
}

}  // namespace validprof::rules
