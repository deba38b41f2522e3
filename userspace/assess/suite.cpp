#include "assess/suite.h"

#include <cerrno>
#include <charconv>
#include <optional>
#include <cmath>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "assess/workload_script.h"
#include "thresholds/yaml_subset.h"

namespace validprof::assess {
namespace {

std::string percent_word(double percent) {
    std::ostringstream out;
    out << percent;
    return out.str();
}

// The command running workload.sh with the scenario's parameters; the
// script sits in the output directory ($VALIDPROF_ASSESS_DIR).
std::string workload_command(const DefaultSuiteOptions& options, int edits, const std::string& more = "") {
    return "env VALIDCORE=" + shell_quote(options.validcore) + " EDITS=" + std::to_string(edits) +
           " ROLLOUT={rollout}" + (more.empty() ? "" : " " + more) + " sh \"$VALIDPROF_ASSESS_DIR/workload.sh\"";
}

Scenario scenario(std::string name, std::string group, std::string description, std::string command, double rollout) {
    Scenario s;
    s.name = std::move(name);
    s.group = std::move(group);
    s.description = std::move(description);
    s.command = std::move(command);
    s.rollout_percent = rollout;
    return s;
}

}  // namespace

namespace {

// "30s", "2m", "500ms", "1.5h": seconds, within [1 ms, 24 h].
std::optional<double> parse_duration_seconds(const std::string& text) {
    static const std::pair<const char*, double> kUnits[] = {{"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600}};
    for (const auto& [unit, scale] : kUnits) {
        const std::string suffix(unit);
        if (text.size() <= suffix.size() || !text.ends_with(suffix)) continue;
        const std::string number = text.substr(0, text.size() - suffix.size());
        if (suffix == "s" && number.ends_with('m')) continue;  // "ms" is matched first
        double value = 0;
        auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
        if (error != std::errc() || end != number.data() + number.size()) return std::nullopt;
        const double seconds = value * scale;
        if (!(seconds >= 1e-3 && seconds <= 24 * 3600.0)) return std::nullopt;
        return seconds;
    }
    return std::nullopt;
}

}  // namespace

std::string shell_quote(const std::string& text) {
    std::string quoted = "'";
    for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

Suite default_suite(const DefaultSuiteOptions& options, const thresholds::ThresholdFile& thresholds) {
    Suite suite;
    suite.name = options.quick ? "default (quick)" : "default";
    suite.baseline = "baseline";
    suite.hook = "post-edit";
    suite.files.emplace_back("workload.sh", kWorkloadScript);
    const int edits = options.quick ? 8 : 40;
    const int stress_edits = options.quick ? 3 : 15;

    suite.scenarios.push_back(scenario("baseline", "baseline",
                                       "no completion validation (rollout 0%): the hooks as they run today", workload_command(options, edits), 0));
    for (double percent : {10.0, 25.0})
        suite.scenarios.push_back(scenario("rollout-" + percent_word(percent), "rollout",
                                           "validation admitted for " + percent_word(percent) + "% of the edits",
                                           workload_command(options, edits), percent));
    for (const thresholds::RolloutStage& stage : thresholds.stages) {
        Scenario s = scenario("stage-" + stage.name, "stage",
                              "rollout stage " + stage.name + ": validation for " + percent_word(stage.traffic_percent) +
                                  "% of the edits",
                              workload_command(options, edits), stage.traffic_percent);
        s.stage = stage.name;
        suite.scenarios.push_back(s);
    }
    Scenario peak = scenario("peak", "peak", "peak load: two agents at once (twice the baseline's concurrency), validation for all",
                             workload_command(options, edits), 100);
    peak.concurrency = 2;
    suite.scenarios.push_back(peak);

    // Byzantine consensus: n = 3f + 1 with f faulty validators of a kind and
    // a random per-message delay. Quick: one kind per n; full: every kind.
    const std::vector<std::string> kinds = {"silent", "slow", "equivocate", "always-reject"};
    const int sizes[] = {4, 7, 10};
    for (std::size_t i = 0; i < 3; ++i) {
        const int n = sizes[i];
        const int f = (n - 1) / 3;
        std::vector<std::string> chosen = options.quick ? std::vector<std::string>{kinds[i]} : kinds;
        for (const std::string& kind : chosen) {
            Scenario s = scenario("consensus-n" + std::to_string(n) + "-" + kind, "consensus",
                                  "consensus stress: n=" + std::to_string(n) + ", " + std::to_string(f) + " " + kind +
                                      " validator(s), 0.1-1 ms per message, 10 s timeout",
                                  workload_command(options, stress_edits,
                                                   "VALIDATORS=" + std::to_string(n) + " FAULTY=" + std::to_string(f) +
                                                       " FAULT=" + kind + " FAULT_COUNT=" + std::to_string(f) +
                                                       " DELAY_US=100:1000"),
                                  100);
            s.validators = n;
            s.faulty = f;
            s.fault_kind = kind;
            suite.scenarios.push_back(s);
        }
    }
    // Memory pressure: peak load (two agents, validation for all) with the
    // scenario's processes in a memory cgroup. 256 MiB is ten times what
    // the hooks of two agents use here (page cache included), so the run
    // measures the total peak; a hook that grew past it would be killed and
    // show as OOM kills and failed runs.
    Scenario memory = scenario("memory-pressure", "memory",
                               "peak load under a 256 MiB memory limit (cgroup): total peak and OOM kills",
                               workload_command(options, edits), 100);
    memory.concurrency = 2;
    memory.memory_limit_bytes = 256ull << 20;
    suite.scenarios.push_back(memory);

    for (double percent : {0.0, 100.0}) {
        Scenario s = scenario(percent == 0 ? "database-writer-baseline" : "database-writer-validation", "database",
                              std::string("database under a concurrent writer, ") +
                                  (percent == 0 ? "without validation" : "validation for all"),
                              workload_command(options, edits, "WRITER=1"), percent);
        s.concurrent_writer = true;
        suite.scenarios.push_back(s);
    }
    return suite;
}

std::string scenario_command(const Scenario& scenario) {
    std::string command = scenario.command;
    const std::string placeholder = "{rollout}";
    for (std::size_t at = command.find(placeholder); at != std::string::npos; at = command.find(placeholder, at))
        command.replace(at, placeholder.size(), percent_word(scenario.rollout_percent));
    return command;
}

std::string shell_command(const Scenario& scenario) {
    const std::string run = std::string("sh -c \"$") + kScenarioCommandVariable + "\"";
    // Each worker runs the command `repeat` times, or until the scenario's
    // duration has passed (GNU date's nanoseconds; sh's arithmetic is 64
    // bits); workers run in parallel.
    std::string worker = "r=0; while [ \"$r\" -lt " + std::to_string(scenario.repeat) + " ]; do " + run +
                         "; r=$((r + 1)); done";
    std::string wrapped;
    if (scenario.duration_seconds > 0) {
        const auto duration_ns = static_cast<long long>(scenario.duration_seconds * 1e9);
        wrapped = "end=$(( $(date +%s%N) + " + std::to_string(duration_ns) + " )); ";
        worker = "while [ \"$(date +%s%N)\" -lt \"$end\" ]; do " + run + "; done";
    }
    for (int w = 0; w < scenario.concurrency; ++w)
        wrapped += "(WORKER=" + std::to_string(w) + "; export WORKER; " + worker + ") & ";
    return wrapped + "wait";
}

namespace {

common::Error error_at(const std::string& path, int line, const std::string& message) {
    return common::make_error(path + ":" + std::to_string(line) + ": " + message);
}

std::optional<int> positive_int(const std::string& text) {
    int value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < 1) return std::nullopt;
    return value;
}

}  // namespace

common::Result<Suite> load_suite_file(const std::string& path) {
    std::ifstream input(path);
    if (!input) return common::make_error(path + ": cannot read: " + std::strerror(errno), errno);
    std::ostringstream text;
    text << input.rdbuf();
    auto root = thresholds::parse_yaml_subset(text.str());
    if (!root) return common::make_error(path + ":" + root.error().message);
    Suite suite;
    suite.hook = "post-edit";
    int scenarios_line = 0;
    for (std::size_t i = 0; i < root->entries.size(); ++i) {
        const auto& [key, value] = root->entries[i];
        const int line = root->key_lines[i];
        if (key == "suite" || key == "baseline" || key == "hook") {
            if (value.kind != thresholds::YamlNode::Kind::Scalar) return error_at(path, line, key + " must be a value");
            (key == "suite" ? suite.name : key == "baseline" ? suite.baseline : suite.hook) = value.scalar;
        } else if (key == "scenarios") {
            scenarios_line = line;
            if (value.kind != thresholds::YamlNode::Kind::Sequence)
                return error_at(path, line, "scenarios must be a list (- name: NAME ...)");
            for (const thresholds::YamlNode& item : value.items) {
                if (item.kind != thresholds::YamlNode::Kind::Mapping)
                    return error_at(path, item.line, "each scenario must be a mapping");
                Scenario s;
                s.group = "custom";
                for (std::size_t j = 0; j < item.entries.size(); ++j) {
                    const auto& [field, v] = item.entries[j];
                    const int at = item.key_lines[j];
                    if (v.kind != thresholds::YamlNode::Kind::Scalar) return error_at(path, at, field + " must be a value");
                    if (field == "name") {
                        s.name = v.scalar;
                    } else if (field == "command") {
                        s.command = v.scalar;
                    } else if (field == "description") {
                        s.description = v.scalar;
                    } else if (field == "stage") {
                        s.stage = v.scalar;
                    } else if (field == "rollout") {
                        std::string number = v.scalar;
                        if (number.ends_with('%')) number.pop_back();
                        double percent = -1;
                        auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), percent);
                        if (error != std::errc() || end != number.data() + number.size() || percent < 0 || percent > 100)
                            return error_at(path, at, "rollout: '" + v.scalar + "' is not a percentage in [0%, 100%]");
                        s.rollout_percent = percent;
                    } else if (field == "duration") {
                        auto seconds = parse_duration_seconds(v.scalar);
                        if (!seconds)
                            return error_at(path, at, "duration: '" + v.scalar +
                                                          "' is not a time from 1ms to 24h (e.g. 30s, 2m, 500ms)");
                        s.duration_seconds = *seconds;
                    } else if (field == "repeat" || field == "concurrency") {
                        auto count = positive_int(v.scalar);
                        if (!count) return error_at(path, at, field + ": '" + v.scalar + "' is not a positive integer");
                        (field == "repeat" ? s.repeat : s.concurrency) = *count;
                    } else {
                        return error_at(path, at, "unknown key '" + field +
                                                      "' in a scenario (expected name, command, description, rollout, "
                                                      "repeat, duration, concurrency, stage)");
                    }
                }
                if (s.name.empty() || s.command.empty())
                    return error_at(path, item.line, "a scenario needs name: and command:");
                if (s.duration_seconds > 0 && s.repeat != 1)
                    return error_at(path, item.line, "scenario '" + s.name + "': give repeat: or duration:, not both");
                for (char c : s.name)
                    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
                        return error_at(path, item.line, "scenario name '" + s.name + "': letters, digits, - _ . only");
                for (const Scenario& other : suite.scenarios)
                    if (other.name == s.name) return error_at(path, item.line, "duplicate scenario '" + s.name + "'");
                suite.scenarios.push_back(std::move(s));
            }
        } else {
            return error_at(path, line, "unknown key '" + key + "' (expected suite, baseline, hook, scenarios)");
        }
    }
    if (suite.scenarios.empty()) return error_at(path, scenarios_line ? scenarios_line : 1, "no scenarios");
    if (suite.name.empty()) suite.name = path;
    if (suite.baseline.empty()) suite.baseline = suite.scenarios.front().name;
    bool found = false;
    for (const Scenario& s : suite.scenarios) found = found || s.name == suite.baseline;
    if (!found) return error_at(path, 1, "baseline '" + suite.baseline + "' is not one of the scenarios");
    return suite;
}

}  // namespace validprof::assess
