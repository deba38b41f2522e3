// The threshold file format: the shipped seed values parse to exactly the
// seed's numbers, and malformed files each give one line naming the line.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "thresholds/threshold_file.h"
#include "thresholds/yaml_subset.h"

namespace validprof::thresholds {
namespace {

const AlertThreshold& alert_for(const ThresholdFile& file, Metric metric) {
    for (const AlertThreshold& alert : file.alerts)
        if (alert.metric == metric) return alert;
    ADD_FAILURE() << "no " << metric_name(metric);
    static AlertThreshold none;
    return none;
}

TEST(ThresholdFile, TheShippedSeedValuesParse) {
    auto file = load_threshold_file(VALIDPROF_SOURCE_DIR "/probes/phase4-thresholds.yaml");
    ASSERT_TRUE(file.ok()) << file.error().message;
    ASSERT_EQ(file->alerts.size(), 5u);
    // The seed's "Alerting Thresholds" block, value by value.
    const auto& response = alert_for(*file, Metric::ResponseTime);
    EXPECT_EQ(response.warning->kind, LimitKind::Relative);
    EXPECT_DOUBLE_EQ(response.warning->value, 0.05);
    EXPECT_DOUBLE_EQ(response.critical->value, 0.10);
    const auto& cpu = alert_for(*file, Metric::CpuUsage);
    EXPECT_EQ(cpu.warning->kind, LimitKind::Percent);
    EXPECT_DOUBLE_EQ(cpu.warning->value, 80);
    EXPECT_DOUBLE_EQ(cpu.critical->value, 90);
    const auto& memory = alert_for(*file, Metric::MemoryUsage);
    EXPECT_DOUBLE_EQ(memory.warning->value, 85);
    EXPECT_DOUBLE_EQ(memory.critical->value, 95);
    const auto& hook = alert_for(*file, Metric::HookExecution);
    EXPECT_EQ(hook.warning->kind, LimitKind::Duration);
    EXPECT_DOUBLE_EQ(hook.warning->value, 100e6);
    EXPECT_DOUBLE_EQ(hook.critical->value, 500e6);
    const auto& database = alert_for(*file, Metric::DatabaseQueries);
    EXPECT_EQ(database.warning->kind, LimitKind::Relative);
    EXPECT_DOUBLE_EQ(database.warning->value, 0.05);
    EXPECT_DOUBLE_EQ(database.critical->value, 0.10);
    EXPECT_EQ(database.warning->text, "+5% query time");

    // The seed's four stages: 5/15/50/100%, <3/4/5% impact, >5/7/8% rollback, SLA.
    ASSERT_EQ(file->stages.size(), 4u);
    const double traffic[] = {5, 15, 50, 100};
    const double impact[] = {0.03, 0.04, 0.05};
    const double trigger[] = {0.05, 0.07, 0.08};
    for (std::size_t i = 0; i < 4; ++i) {
        EXPECT_DOUBLE_EQ(file->stages[i].traffic_percent, traffic[i]);
        if (i < 3) {
            EXPECT_DOUBLE_EQ(file->stages[i].max_impact.relative, impact[i]);
            EXPECT_DOUBLE_EQ(file->stages[i].rollback_trigger.relative, trigger[i]);
        }
    }
    EXPECT_EQ(file->stages[0].name, "4A");
    EXPECT_TRUE(file->stages[3].max_impact.sla);
    EXPECT_TRUE(file->stages[3].rollback_trigger.sla);
    EXPECT_NE(find_stage(*file, "4C"), nullptr);
    EXPECT_EQ(find_stage(*file, "4E"), nullptr);
}

TEST(ThresholdFile, DurationsAndCommentsAndQuotes) {
    auto file = parse_threshold_file(
        "# gate\n"
        "---\n"
        "performance_alerts:   # the alerts\n"
        "  hook_execution:\n"
        "    warning: \"0.25s\"\n"
        "    critical: 750000us\n"
        "\n"
        "  database_queries:\n"
        "    critical: 50ms\n");
    ASSERT_TRUE(file.ok()) << file.error().message;
    ASSERT_EQ(file->alerts.size(), 2u);
    EXPECT_DOUBLE_EQ(file->alerts[0].warning->value, 250e6);
    EXPECT_DOUBLE_EQ(file->alerts[0].critical->value, 750e6);
    EXPECT_FALSE(file->alerts[1].warning);
    EXPECT_DOUBLE_EQ(file->alerts[1].critical->value, 50e6);
}

struct Malformed {
    const char* text;
    int line;
    const char* says;
};

TEST(ThresholdFile, TenMalformedFilesEachGiveOneLineNamingTheLine) {
    const Malformed cases[] = {
        // 1. unknown top-level key
        {"performance_alerts:\n  hook_execution:\n    warning: 100ms\nalerts:\n  x: 1\n", 4, "unknown key 'alerts'"},
        // 2. unknown metric
        {"performance_alerts:\n  disk_io:\n    warning: 5%\n", 2, "unknown metric 'disk_io'"},
        // 3. unknown key inside a metric
        {"performance_alerts:\n  cpu_usage:\n    warning: 80%\n    severe: 95%\n", 4, "unknown key 'severe'"},
        // 4. impossible share
        {"performance_alerts:\n  cpu_usage:\n    warning: 180%\n", 3, "impossible"},
        // 5. critical below warning
        {"performance_alerts:\n  hook_execution:\n    warning: 500ms\n    critical: 100ms\n", 4, "below warning"},
        // 6. wrong kind for the metric
        {"performance_alerts:\n  response_time:\n    warning: 100ms\n", 3, "response_time takes a relative change"},
        // 7. tab indentation
        {"performance_alerts:\n\thook_execution:\n", 2, "tab"},
        // 8. flow mapping
        {"performance_alerts:\n  cpu_usage: {warning: 80%}\n", 2, "flow collections"},
        // 9. bad indentation
        {"performance_alerts:\n  cpu_usage:\n    warning: 80%\n      critical: 90%\n", 4, "unexpected indentation"},
        // 10. rollout stage trigger below its success criterion
        {"performance_alerts:\n  cpu_usage:\n    warning: 80%\nrollout:\n  - stage: A\n    traffic: 5%\n"
         "    max_impact: +5%\n    rollback_trigger: +3%\n",
         8, "impossible"},
        // 11. duplicate key
        {"performance_alerts:\n  cpu_usage:\n    warning: 80%\n    warning: 85%\n", 4, "duplicate key 'warning'"},
        // 12. no unit
        {"performance_alerts:\n  hook_execution:\n    warning: 100\n", 3, "no known unit"},
        // 13. trailing words other than the metric's qualifier
        {"performance_alerts:\n  database_queries:\n    warning: +5% per day\n", 3, "unexpected 'per day'"},
        // 14. traffic above 100%
        {"performance_alerts:\n  cpu_usage:\n    warning: 80%\nrollout:\n  - stage: A\n    traffic: 150%\n"
         "    max_impact: +1%\n    rollback_trigger: +2%\n",
         6, "impossible"},
    };
    for (const Malformed& c : cases) {
        auto file = parse_threshold_file(c.text);
        ASSERT_FALSE(file.ok()) << c.text;
        const std::string& message = file.error().message;
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
        EXPECT_TRUE(message.starts_with(std::to_string(c.line) + ": ")) << message << "\n--- in:\n" << c.text;
        EXPECT_NE(message.find(c.says), std::string::npos) << message;
    }
}

TEST(ThresholdFile, LoadErrorsNameTheFile) {
    auto missing = load_threshold_file("/nonexistent/thresholds.yaml");
    ASSERT_FALSE(missing.ok());
    EXPECT_TRUE(missing.error().message.starts_with("/nonexistent/thresholds.yaml: ")) << missing.error().message;
}

TEST(YamlSubset, NestedMappingsSequencesAndLines) {
    auto root = parse_yaml_subset("a:\n  b: 1\n  c:\n    - x: 2\n      y: 3\n    - plain\nd: 'q # not a comment'\n");
    ASSERT_TRUE(root.ok()) << root.error().message;
    ASSERT_EQ(root->entries.size(), 2u);
    const YamlNode& a = root->entries[0].value;
    ASSERT_EQ(a.entries.size(), 2u);
    EXPECT_EQ(a.entries[0].value.scalar, "1");
    const YamlNode& c = a.entries[1].value;
    ASSERT_EQ(c.kind, YamlNode::Kind::Sequence);
    ASSERT_EQ(c.items.size(), 2u);
    EXPECT_EQ(c.items[0].entries[1].key, "y");
    EXPECT_EQ(c.items[0].key_lines[1], 5);
    EXPECT_EQ(c.items[1].scalar, "plain");
    EXPECT_EQ(root->entries[1].value.scalar, "q # not a comment");
}

TEST(YamlSubset, SequenceAtTheParentsColumn) {
    auto root = parse_yaml_subset("rollout:\n- stage: A\n  traffic: 5%\n- stage: B\n  traffic: 6%\n");
    ASSERT_TRUE(root.ok()) << root.error().message;
    EXPECT_EQ(root->entries[0].value.items.size(), 2u);
}

}  // namespace
}  // namespace validprof::thresholds
