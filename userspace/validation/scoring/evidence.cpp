#include "validation/scoring/evidence.h"

#include <nlohmann/json.hpp>

namespace validprof::validation {

using nlohmann::json;

namespace {

json check_to_json(const CheckOutcome& check) {
    return json{{"name", check.name}, {"passed", check.passed}, {"issues", check.issues}, {"detail", check.detail}};
}

json command_to_json(const CommandOutcome& command) {
    return json{{"exit_status", command.exit_status}, {"timed_out", command.timed_out},
                {"warning_lines", command.warning_lines}, {"output_bytes", command.output_bytes},
                {"output_tail", command.output_tail}, {"elapsed_ms", command.elapsed_ms}, {"score", command.score}};
}

json file_to_json(const FileEvidence& file) {
    json checks = json::array();
    for (const CheckOutcome& check : file.checks) checks.push_back(check_to_json(check));
    json out{{"path", file.path}, {"kind", file_kind_name(file.kind)}, {"bytes", file.bytes}, {"lines", file.lines},
             {"sha256", file.sha256}, {"sha256_after", file.sha256_after}, {"checks", checks},
             {"checks_ms", file.checks_ms}};
    out["command"] = file.command ? command_to_json(*file.command) : json(nullptr);
    return out;
}

}  // namespace

std::string evidence_to_json(const Evidence& evidence) {
    json files = json::array();
    for (const FileEvidence& file : evidence.files) files.push_back(file_to_json(file));
    json out{{"mode", mode_name(evidence.mode)}, {"files", files}};
    out["agent"] = evidence.agent ? json{{"id", evidence.agent->id},
                                         {"validations", evidence.agent->validations},
                                         {"clean", evidence.agent->clean}}
                                  : json(nullptr);
    // Invalid UTF-8 in paths or command output must not make serialization
    // throw: replace it.
    return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

common::Result<Evidence> evidence_from_json(std::string_view text) {
    try {
        const json in = json::parse(text.begin(), text.end());
        Evidence evidence;
        auto mode = parse_mode(in.at("mode").get<std::string>());
        if (!mode) return mode.error();
        evidence.mode = *mode;
        if (!in.at("agent").is_null()) {
            const json& agent = in.at("agent");
            evidence.agent = AgentHistory{agent.at("id").get<std::string>(), agent.at("validations").get<int>(),
                                          agent.at("clean").get<double>()};
        }
        for (const json& file : in.at("files")) {
            FileEvidence out;
            out.path = file.at("path").get<std::string>();
            auto kind = parse_file_kind(file.at("kind").get<std::string>());
            if (!kind) return common::make_error("evidence names an unknown file kind");
            out.kind = *kind;
            out.bytes = file.at("bytes").get<std::uint64_t>();
            out.lines = file.at("lines").get<int>();
            out.sha256 = file.at("sha256").get<std::string>();
            out.sha256_after = file.at("sha256_after").get<std::string>();
            out.checks_ms = file.at("checks_ms").get<double>();
            for (const json& check : file.at("checks")) {
                out.checks.push_back(CheckOutcome{check.at("name").get<std::string>(), check.at("passed").get<bool>(),
                                                  check.at("issues").get<int>(), check.at("detail").get<std::string>()});
            }
            if (!file.at("command").is_null()) {
                const json& command = file.at("command");
                CommandOutcome c;
                c.exit_status = command.at("exit_status").get<int>();
                c.timed_out = command.at("timed_out").get<bool>();
                c.warning_lines = command.at("warning_lines").get<int>();
                c.output_bytes = command.at("output_bytes").get<std::uint64_t>();
                c.output_tail = command.at("output_tail").get<std::string>();
                c.elapsed_ms = command.at("elapsed_ms").get<double>();
                c.score = command.at("score").get<double>();
                out.command = std::move(c);
            }
            evidence.files.push_back(std::move(out));
        }
        return evidence;
    } catch (const json::exception& error) {
        return common::make_error(std::string("malformed evidence: ") + error.what());
    }
}

}  // namespace validprof::validation
