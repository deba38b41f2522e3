#include "thresholds/threshold_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "thresholds/shipped_thresholds.h"
#include "thresholds/yaml_subset.h"

namespace validprof::thresholds {
namespace {

struct MetricForm {
    Metric metric;
    const char* name;
    std::vector<LimitKind> kinds;   // forms it accepts
    const char* qualifier;          // words allowed after the quantity ("+5% query time"), or ""
    const char* example;
};

const std::vector<MetricForm>& metric_forms() {
    static const std::vector<MetricForm> forms = {
        {Metric::ResponseTime, "response_time", {LimitKind::Relative}, "response time", "+5%"},
        {Metric::CpuUsage, "cpu_usage", {LimitKind::Percent, LimitKind::Relative}, "", "80%"},
        {Metric::MemoryUsage, "memory_usage", {LimitKind::Percent, LimitKind::Relative}, "", "85%"},
        {Metric::HookExecution, "hook_execution", {LimitKind::Duration, LimitKind::Relative}, "", "100ms"},
        {Metric::DatabaseQueries, "database_queries", {LimitKind::Relative, LimitKind::Duration}, "query time", "+5%"},
    };
    return forms;
}

common::Error error_at(int line, const std::string& message) {
    return common::make_error(std::to_string(line) + ": " + message);
}

// "12", "0.5": a non-negative decimal; the characters used.
std::optional<std::pair<double, std::size_t>> leading_number(const std::string& text, std::size_t from) {
    std::size_t i = from;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == from) return std::nullopt;
    if (i < text.size() && text[i] == '.') {
        const std::size_t fraction = ++i;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
        if (i == fraction) return std::nullopt;
    }
    return std::make_pair(std::stod(text.substr(from, i - from)), i - from);
}

const char* kind_word(LimitKind kind) {
    switch (kind) {
        case LimitKind::Relative: return "a relative change such as +5%";
        case LimitKind::Percent: return "a share such as 80%";
        case LimitKind::Duration: return "a duration such as 100ms";
    }
    return "";
}

// "+5%", "80%", "100ms", "0.5s", with the metric's qualifier allowed after.
common::Result<Limit> parse_limit(const MetricForm& form, const std::string& key, const std::string& text, int line) {
    std::string quantity = text;
    const std::size_t space = text.find(' ');
    if (space != std::string::npos) {
        quantity = text.substr(0, space);
        std::string rest = text.substr(text.find_first_not_of(' ', space));
        if (rest != form.qualifier)
            return error_at(line, std::string(form.name) + "." + key + ": unexpected '" + rest + "' after '" + quantity +
                                      "'" + (*form.qualifier ? std::string(" (only '") + form.qualifier + "' may follow)" : ""));
    }
    Limit limit;
    limit.text = text;
    limit.line = line;
    const bool plus = quantity.starts_with('+');
    if (quantity.starts_with('-'))
        return error_at(line, std::string(form.name) + "." + key + ": a limit cannot be negative ('" + quantity + "')");
    auto number = leading_number(quantity, plus ? 1 : 0);
    if (!number)
        return error_at(line, std::string(form.name) + "." + key + ": '" + text + "' is not a limit; expected e.g. '" +
                                  form.example + "'");
    const std::string unit = quantity.substr((plus ? 1 : 0) + number->second);
    if (unit == "%") {
        limit.kind = plus ? LimitKind::Relative : LimitKind::Percent;
        limit.value = plus ? number->first / 100.0 : number->first;
    } else if (!plus && (unit == "ns" || unit == "us" || unit == "µs" || unit == "ms" || unit == "s")) {
        limit.kind = LimitKind::Duration;
        const double scale = unit == "ns" ? 1 : unit == "s" ? 1e9 : unit == "ms" ? 1e6 : 1e3;
        limit.value = number->first * scale;
    } else {
        return error_at(line, std::string(form.name) + "." + key + ": '" + text +
                                  "' has no known unit (%, ns, us, ms, s; '+' marks a relative change)");
    }
    bool accepted = false;
    for (LimitKind kind : form.kinds) accepted = accepted || kind == limit.kind;
    if (!accepted) {
        std::string forms;
        for (LimitKind kind : form.kinds) forms += (forms.empty() ? "" : " or ") + std::string(kind_word(kind));
        return error_at(line, std::string(form.name) + "." + key + ": '" + text + "' is " + kind_word(limit.kind) +
                                  "; " + form.name + " takes " + forms);
    }
    if (limit.kind == LimitKind::Percent && (limit.value <= 0 || limit.value > 100))
        return error_at(line, std::string(form.name) + "." + key + ": " + text + " is impossible (a share is in (0%, 100%])");
    if (limit.kind == LimitKind::Duration && limit.value <= 0)
        return error_at(line, std::string(form.name) + "." + key + ": " + text + " is impossible (a duration above 0)");
    return limit;
}

common::Result<AlertThreshold> parse_alert(const MetricForm& form, const YamlNode& node, int key_line) {
    if (node.kind != YamlNode::Kind::Mapping)
        return error_at(node.line, std::string(form.name) + " must be a mapping with warning: and critical:");
    AlertThreshold alert;
    alert.metric = form.metric;
    alert.line = key_line;
    for (std::size_t i = 0; i < node.entries.size(); ++i) {
        const auto& [key, value] = node.entries[i];
        const int line = node.key_lines[i];
        if (key != "warning" && key != "critical")
            return error_at(line, "unknown key '" + key + "' in " + form.name + " (expected warning, critical)");
        if (value.kind != YamlNode::Kind::Scalar) return error_at(line, std::string(form.name) + "." + key + " must be a value");
        auto limit = parse_limit(form, key, value.scalar, line);
        if (!limit) return limit.error();
        (key == "warning" ? alert.warning : alert.critical) = *limit;
    }
    if (!alert.warning && !alert.critical)
        return error_at(key_line, std::string(form.name) + " has neither warning nor critical");
    if (alert.warning && alert.critical) {
        if (alert.warning->kind != alert.critical->kind)
            return error_at(alert.critical->line, std::string(form.name) + ": warning and critical must be the same kind of limit");
        if (alert.warning->value > alert.critical->value)
            return error_at(alert.critical->line, std::string(form.name) + ": critical " + alert.critical->text +
                                                      " is below warning " + alert.warning->text + " (impossible)");
    }
    return alert;
}

common::Result<StageCriterion> parse_criterion(const std::string& key, const YamlNode& value, int line) {
    if (value.kind != YamlNode::Kind::Scalar) return error_at(line, key + " must be a value");
    StageCriterion criterion;
    criterion.text = value.scalar;
    criterion.line = line;
    if (value.scalar == "sla") {
        criterion.sla = true;
        return criterion;
    }
    std::string quantity = value.scalar.substr(0, value.scalar.find(' '));
    if (quantity.size() != value.scalar.size() && value.scalar.substr(quantity.size() + 1) != "response time")
        return error_at(line, key + ": unexpected text after '" + quantity + "' (only 'response time' may follow)");
    const bool plus = quantity.starts_with('+');
    auto number = leading_number(quantity, plus ? 1 : 0);
    if (!number || quantity.substr((plus ? 1 : 0) + number->second) != "%")
        return error_at(line, key + ": '" + value.scalar + "' is not a change such as +5% (or 'sla')");
    criterion.relative = number->first / 100.0;
    return criterion;
}

common::Result<RolloutStage> parse_stage(const YamlNode& node) {
    if (node.kind != YamlNode::Kind::Mapping)
        return error_at(node.line, "each rollout item must be a mapping (- stage: NAME ...)");
    RolloutStage stage;
    stage.line = node.line;
    bool has_traffic = false, has_impact = false, has_trigger = false;
    for (std::size_t i = 0; i < node.entries.size(); ++i) {
        const auto& [key, value] = node.entries[i];
        const int line = node.key_lines[i];
        if (value.kind != YamlNode::Kind::Scalar) return error_at(line, "rollout " + key + " must be a value");
        if (key == "stage") {
            stage.name = value.scalar;
            if (stage.name.empty()) return error_at(line, "empty stage name");
        } else if (key == "traffic") {
            auto number = leading_number(value.scalar, 0);
            if (!number || value.scalar.substr(number->second) != "%")
                return error_at(line, "traffic: '" + value.scalar + "' is not a share such as 5%");
            if (number->first <= 0 || number->first > 100)
                return error_at(line, "traffic: " + value.scalar + " is impossible (in (0%, 100%])");
            stage.traffic_percent = number->first;
            has_traffic = true;
        } else if (key == "duration") {
            stage.duration = value.scalar;
        } else if (key == "monitoring") {
            stage.monitoring = value.scalar;
        } else if (key == "max_impact" || key == "rollback_trigger") {
            auto criterion = parse_criterion(key, value, line);
            if (!criterion) return criterion.error();
            (key == "max_impact" ? stage.max_impact : stage.rollback_trigger) = *criterion;
            (key == "max_impact" ? has_impact : has_trigger) = true;
        } else {
            return error_at(line, "unknown key '" + key +
                                      "' in a rollout stage (expected stage, traffic, duration, monitoring, max_impact, "
                                      "rollback_trigger)");
        }
    }
    if (stage.name.empty()) return error_at(node.line, "rollout stage without 'stage: NAME'");
    if (!has_traffic) return error_at(node.line, "rollout stage '" + stage.name + "' has no traffic:");
    if (!has_impact) return error_at(node.line, "rollout stage '" + stage.name + "' has no max_impact:");
    if (!has_trigger) return error_at(node.line, "rollout stage '" + stage.name + "' has no rollback_trigger:");
    if (!stage.max_impact.sla && !stage.rollback_trigger.sla && stage.max_impact.relative > stage.rollback_trigger.relative)
        return error_at(stage.rollback_trigger.line, "stage '" + stage.name + "': rollback_trigger " +
                                                         stage.rollback_trigger.text + " is below max_impact " +
                                                         stage.max_impact.text + " (impossible)");
    return stage;
}

}  // namespace

std::string metric_name(Metric metric) {
    for (const MetricForm& form : metric_forms())
        if (form.metric == metric) return form.name;
    return "?";
}

const RolloutStage* find_stage(const ThresholdFile& file, const std::string& name) {
    for (const RolloutStage& stage : file.stages)
        if (stage.name == name) return &stage;
    return nullptr;
}

common::Result<ThresholdFile> parse_threshold_file(const std::string& text) {
    auto root = parse_yaml_subset(text);
    if (!root) return root.error();
    if (root->kind != YamlNode::Kind::Mapping) return error_at(root->line, "the file must be a mapping");
    ThresholdFile file;
    bool has_alerts = false;
    for (std::size_t i = 0; i < root->entries.size(); ++i) {
        const auto& [key, value] = root->entries[i];
        const int line = root->key_lines[i];
        if (key == "performance_alerts") {
            has_alerts = true;
            if (value.kind != YamlNode::Kind::Mapping) return error_at(line, "performance_alerts must be a mapping");
            for (std::size_t j = 0; j < value.entries.size(); ++j) {
                const auto& [metric, limits] = value.entries[j];
                const MetricForm* form = nullptr;
                for (const MetricForm& candidate : metric_forms())
                    if (metric == candidate.name) form = &candidate;
                if (!form)
                    return error_at(value.key_lines[j], "unknown metric '" + metric +
                                                            "' (expected response_time, cpu_usage, memory_usage, "
                                                            "hook_execution, database_queries)");
                auto alert = parse_alert(*form, limits, value.key_lines[j]);
                if (!alert) return alert.error();
                file.alerts.push_back(*alert);
            }
        } else if (key == "rollout") {
            if (value.kind != YamlNode::Kind::Sequence)
                return error_at(line, "rollout must be a list of stages (- stage: NAME ...)");
            for (const YamlNode& item : value.items) {
                auto stage = parse_stage(item);
                if (!stage) return stage.error();
                if (find_stage(file, stage->name))
                    return error_at(stage->line, "duplicate stage '" + stage->name + "'");
                if (!file.stages.empty() && stage->traffic_percent < file.stages.back().traffic_percent)
                    return error_at(stage->line, "stage '" + stage->name + "' has less traffic than the one before it "
                                                 "(list stages in rollout order)");
                file.stages.push_back(*stage);
            }
        } else {
            return error_at(line, "unknown key '" + key + "' (expected performance_alerts, rollout)");
        }
    }
    if (!has_alerts) return error_at(1, "no performance_alerts: section");
    return file;
}

ThresholdFile shipped_thresholds() {
    // The file is tested (tests/thresholds) and built in: it always parses.
    auto file = parse_threshold_file(std::string(detail::kShippedThresholds));
    return file.ok() ? *file : ThresholdFile{};
}

common::Result<ThresholdFile> load_threshold_file(const std::string& path) {
    std::ifstream input(path);
    if (!input) return common::make_error(path + ": cannot read: " + std::strerror(errno), errno);
    std::ostringstream text;
    text << input.rdbuf();
    auto file = parse_threshold_file(text.str());
    if (!file) return common::make_error(path + ":" + file.error().message);
    return file;
}

}  // namespace validprof::thresholds
