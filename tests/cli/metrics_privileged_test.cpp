// End-to-end, privileged: `validprof attach --metrics` scraped by a real
// Prometheus server (Debian's, on loopback, its own data directory), and
// what Prometheus' query API answers compared with `validprof report` and
// the stored invocations of the same session. promtool checks the live
// exposition. Skips with the reason where BPF or Prometheus is missing.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>

#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "cli_test_support.h"
#include "metrics/metrics_registry.h"

namespace validprof::testing {
namespace {

constexpr const char* kPrometheus = "/usr/bin/prometheus";
constexpr const char* kPromtool = "/usr/bin/promtool";

// A port nobody listens on now (the kernel's choice for port 0); the small
// window before Prometheus binds it is the price of not hard-coding one.
int free_loopback_port() {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    close(fd);
    return ntohs(address.sin_port);
}

// The scrape address attach prints once it is serving.
std::string wait_for_metrics_address(const std::string& log_path) {
    const std::regex printed("metrics at http://([0-9.:]+)/metrics");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
        std::smatch match;
        const std::string log = read_file(log_path);
        if (std::regex_search(log, match, printed)) return match[1];
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return "";
}

// One instant query through Prometheus' HTTP API: its JSON answer, or
// null when the request failed.
nlohmann::json evaluate(int port, const std::string& promql) {
    std::string encoded;
    for (unsigned char c : promql) {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%%%02X", c);
        encoded += std::isalnum(c) ? std::string(1, static_cast<char>(c)) : std::string(hex);
    }
    CommandResult answer =
        run_command({"curl", "-s", "http://127.0.0.1:" + std::to_string(port) + "/api/v1/query?query=" + encoded});
    if (answer.exit_code != 0) return nullptr;
    auto json = nlohmann::json::parse(answer.output, nullptr, false);
    return json.is_discarded() ? nlohmann::json(nullptr) : json;
}

// The vector's samples by their label set's `hook` (or "" when it has none).
std::map<std::string, double> query(int port, const std::string& promql) {
    std::map<std::string, double> values;
    const nlohmann::json json = evaluate(port, promql);
    if (!json.is_object() || json.value("status", "") != "success") return values;
    for (const auto& sample : json["data"]["result"]) {
        const std::string hook = sample["metric"].value("hook", "");
        values[hook] = std::stod(sample["value"][1].get<std::string>());
    }
    return values;
}

class PrometheusServer {
public:
    PrometheusServer(const TempDir& dir, const std::string& target) : port_(free_loopback_port()) {
        const std::string config = dir.file("prometheus.yml");
        std::ofstream(config) << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                              << "scrape_configs:\n  - job_name: validprof\n    static_configs:\n"
                              << "      - targets: ['" << target << "']\n";
        pid_ = fork();
        if (pid_ == 0) {
            const std::string log = dir.file("prometheus.log");
            const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            execl(kPrometheus, kPrometheus, ("--config.file=" + config).c_str(),
                  ("--storage.tsdb.path=" + dir.file("tsdb")).c_str(),
                  ("--web.listen-address=127.0.0.1:" + std::to_string(port_)).c_str(), nullptr);
            _exit(127);
        }
    }
    ~PrometheusServer() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            wait_exit_code(pid_);
        }
    }
    int port() const { return port_; }

private:
    int port_;
    pid_t pid_ = -1;
};

// Polls until `promql` gives `expected` for `hook` (Prometheus scrapes every
// second; the limit only bounds how long a failure takes).
bool wait_for_value(int port, const std::string& promql, const std::string& hook, double expected) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
    while (std::chrono::steady_clock::now() < deadline) {
        auto values = query(port, promql);
        if (values.count(hook) && values[hook] == expected) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return false;
}

TEST(MetricsPrivileged, PrometheusScrapesWhatTheReportSays) {
    VALIDPROF_REQUIRE_BPF();
    if (!fs::exists(kPrometheus) || !fs::exists(kPromtool))
        GTEST_SKIP() << "Prometheus not installed (scripts/setup.sh installs Debian's prometheus)";
    TempDir dir;
    const std::string db = dir.file("profile.db");
    const std::string failing_hook = dir.file("vp-failing-hook");
    fs::copy_file("/bin/sh", failing_hook);
    pid_t validprof = spawn_validprof({"attach", "--db", db, "--hook", "burn=vp_burn_sleep", "--hook",
                                       "fails=vp-failing-hook", "--metrics", "127.0.0.1:0"},
                                      dir.file("log"));
    const std::string target = wait_for_metrics_address(dir.file("log"));
    ASSERT_FALSE(target.empty()) << read_file(dir.file("log"));
    ASSERT_TRUE(wait_for_session(db, std::chrono::seconds(30))) << read_file(dir.file("log"));

    // Walls spread over several buckets: 2..60 ms of burning and sleeping.
    constexpr int kBurns = 8;
    for (int i = 0; i < kBurns; ++i)
        ASSERT_EQ(run_command({workload("vp_burn_sleep"), std::to_string(1 + i), std::to_string(1 + 6 * i)}).exit_code, 0);
    constexpr int kFailures = 3;
    for (int i = 0; i < kFailures; ++i) ASSERT_EQ(run_command({failing_hook, "-c", "exit 3"}).exit_code, 3);

    PrometheusServer prometheus(dir, target);
    EXPECT_TRUE(wait_for_value(prometheus.port(), "validprof_hook_invocations_total", "burn", kBurns))
        << read_file(dir.file("prometheus.log")) << read_file(dir.file("log"));
    ASSERT_TRUE(wait_for_value(prometheus.port(), "validprof_hook_invocations_total", "fails", kFailures));

    // The live exposition passes Prometheus' own checker.
    CommandResult scraped = run_command({"curl", "-sf", "http://" + target + "/metrics"});
    ASSERT_EQ(scraped.exit_code, 0);
    std::ofstream(dir.file("scraped.txt")) << scraped.output;
    CommandResult checked = run_command({"sh", "-c", std::string(kPromtool) + " check metrics < " + dir.file("scraped.txt")});
    EXPECT_EQ(checked.exit_code, 0) << checked.output;
    EXPECT_EQ(checked.output, "");

    // What Prometheus holds, now that it has everything.
    auto counts = query(prometheus.port(), "validprof_hook_wall_seconds_count");
    auto sums = query(prometheus.port(), "validprof_hook_wall_seconds_sum");
    auto failures = query(prometheus.port(), "validprof_hook_failures_total");
    auto on_cpu = query(prometheus.port(), "validprof_hook_thread_seconds_total{state=\"on_cpu\"}");
    auto medians = query(prometheus.port(), "histogram_quantile(0.5, validprof_hook_wall_seconds_bucket)");

    // rate() needs two samples in its window: wait for a second scrape.
    ASSERT_TRUE(wait_for_value(prometheus.port(),
                               "count_over_time(validprof_hook_invocations_total[1m]) >= bool 2", "burn", 1));

    // The shipped Grafana dashboard: every panel's query is valid PromQL
    // over these metric names and the invocation rate has data. Grafana's
    // variables are replaced as Grafana would for "All".
    std::ifstream dashboard_file(std::string(VALIDPROF_SOURCE_DIR) + "/docs/examples/grafana/validprof-dashboard.json");
    const auto dashboard = nlohmann::json::parse(dashboard_file);
    std::size_t expressions = 0;
    for (const auto& panel : dashboard["panels"])
        for (const auto& target : panel["targets"]) {
            std::string expr = target["expr"];
            for (const auto& [variable, value] : std::vector<std::pair<std::string, std::string>>{
                     {"$__rate_interval", "30s"}, {"$instance", ".*"}, {"$hook", ".*"}, {"$job", ".*"}})
                for (auto at = expr.find(variable); at != std::string::npos; at = expr.find(variable))
                    expr.replace(at, variable.size(), value);
            const nlohmann::json answer = evaluate(prometheus.port(), expr);
            ASSERT_TRUE(answer.is_object()) << expr;
            EXPECT_EQ(answer.value("status", ""), "success") << panel["title"] << ": " << expr << "\n" << answer.dump();
            if (panel["title"] == "Hook invocations per second") {
                EXPECT_FALSE(answer["data"]["result"].empty()) << expr;
            }
            ++expressions;
        }
    EXPECT_GE(expressions, 12u);

    kill(validprof, SIGINT);
    ASSERT_EQ(wait_exit_code(validprof), 0) << read_file(dir.file("log"));

    // `validprof report --json` of the same session.
    CommandResult report = run_command({validprof_binary(), "report", "--json", "--db", db});
    ASSERT_EQ(report.exit_code, 0) << report.output;
    auto json = nlohmann::json::parse(report.output);
    std::map<std::string, nlohmann::json> by_hook;
    for (const auto& hook : json["hooks"]) by_hook[hook["hook"].get<std::string>()] = hook;
    ASSERT_EQ(by_hook.count("burn"), 1u) << report.output;
    ASSERT_EQ(by_hook.count("fails"), 1u) << report.output;
    EXPECT_EQ(by_hook["burn"]["count"].get<int>(), kBurns);
    EXPECT_EQ(counts["burn"], by_hook["burn"]["complete"].get<double>());
    EXPECT_EQ(failures["fails"], by_hook["fails"]["failed"].get<double>());
    EXPECT_EQ(failures["fails"], kFailures);
    EXPECT_EQ(failures["burn"], 0);

    // Sums against the stored invocations, exactly: both add nanoseconds
    // as integers and divide once; the exposition prints the shortest text
    // that reads back as the same double, and Prometheus stores doubles.
    std::uint64_t wall_sum_ns = 0, on_cpu_ns = 0;
    std::vector<std::uint64_t> walls;
    for (const model::Invocation& invocation : load_latest_invocations(db, "burn")) {
        if (!invocation.complete) continue;
        wall_sum_ns += invocation.wall_ns();
        on_cpu_ns += invocation.times.on_cpu_ns;
        walls.push_back(invocation.wall_ns());
    }
    EXPECT_EQ(sums["burn"], static_cast<double>(wall_sum_ns) / 1e9);
    EXPECT_EQ(on_cpu["burn"], static_cast<double>(on_cpu_ns) / 1e9);

    // Prometheus' median interpolates inside the bucket that holds the
    // report's (nearest-rank) median: check it lies within that bucket.
    const double report_p50 = by_hook["burn"]["p50_ns"].get<double>() / 1e9;
    double lower = 0, upper = INFINITY;
    for (double bound : metrics::kWallBucketsSeconds) {
        if (report_p50 <= bound) {
            upper = bound;
            break;
        }
        lower = bound;
    }
    EXPECT_GE(medians["burn"], lower) << "report p50 " << report_p50;
    EXPECT_LE(medians["burn"], upper) << "report p50 " << report_p50;
}

}  // namespace
}  // namespace validprof::testing
