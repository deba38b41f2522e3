// The HTML report in a real browser: headless Chromium (Debian's
// `chromium`) loads the report built from planted sessions, and the test
// checks from the DOM that every chart arrived as SVG, from the screenshot
// that the charts' colours are painted (the blue of the samples and bars,
// the red of the SLA lines), and from Chromium's log that nothing failed
// to load and no console error was raised. Skipped, with the reason, when
// Chromium is not installed.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "assess/assessment_report.h"
#include "png_pixels.h"

namespace validprof::assess {
// Defined in report_test.cpp: the assessment from planted sessions.
Assessment planted_assessment(bool with_memory);
namespace {

namespace fs = std::filesystem;

std::string find_chromium() {
    for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"})
        if (::access(candidate, X_OK) == 0) return candidate;
    return "";
}

struct Output {
    int status = -1;
    std::string out;
    std::string err;
};

Output run(const std::vector<std::string>& argv, const fs::path& dir) {
    const fs::path out = dir / "stdout.txt";
    const fs::path err = dir / "stderr.txt";
    const pid_t pid = fork();
    if (pid == 0) {
        if (!freopen(out.c_str(), "w", stdout) || !freopen(err.c_str(), "w", stderr)) _exit(126);
        std::vector<char*> args;
        for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    Output result;
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream o(out), e(err);
    std::stringstream so, se;
    so << o.rdbuf();
    se << e.rdbuf();
    result.out = so.str();
    result.err = se.str();
    return result;
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

TEST(ReportInChromium, RendersItsChartsWithoutErrors) {
    const std::string chromium = find_chromium();
    if (chromium.empty()) GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs Debian's chromium)";
    std::string pattern = (fs::temp_directory_path() / "validprof-render-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    const fs::path dir = pattern;
    const std::string html = render_html(build_report(planted_assessment(true)));
    std::ofstream(dir / "report.html") << html;
    const std::string url = "file://" + (dir / "report.html").string();
    const std::vector<std::string> common = {chromium, "--headless", "--no-sandbox", "--disable-gpu",
                                             "--no-first-run", "--enable-logging=stderr", "--v=0",
                                             "--user-data-dir=" + (dir / "profile").string()};

    std::vector<std::string> dump = common;
    dump.insert(dump.end(), {"--dump-dom", url});
    Output dom = run(dump, dir);
    ASSERT_EQ(dom.status, 0) << dom.err;
    EXPECT_EQ(count(dom.out, "<svg"), count(html, "<svg")) << "charts lost in the DOM";
    EXPECT_GE(count(dom.out, "<svg"), 3u);
    EXPECT_NE(dom.out.find("Recommendation per rollout stage"), std::string::npos);
    for (const std::string* log : {&dom.err}) {
        EXPECT_EQ(log->find("CONSOLE"), std::string::npos) << *log;
        EXPECT_EQ(log->find("Failed to load resource"), std::string::npos) << *log;
        EXPECT_EQ(log->find("net::ERR"), std::string::npos) << *log;
    }

    std::vector<std::string> shot = common;
    shot.insert(shot.end(), {"--window-size=1100,4000", "--hide-scrollbars",
                             "--screenshot=" + (dir / "shot.png").string(), url});
    Output screenshot = run(shot, dir);
    ASSERT_EQ(screenshot.status, 0) << screenshot.err;
    EXPECT_EQ(screenshot.err.find("CONSOLE"), std::string::npos) << screenshot.err;
    const testing::Image image = testing::read_png((dir / "shot.png").string());
    ASSERT_TRUE(image.error.empty()) << image.error;
    EXPECT_EQ(image.width, 1100u);
    // #4e79a7: latency dots, p99 bars, CPU bars; #cc0000: SLA lines and labels.
    EXPECT_GT(testing::count_colour(image, 0x4e, 0x79, 0xa7), 2000u);
    EXPECT_GT(testing::count_colour(image, 0xcc, 0x00, 0x00, 40), 100u);
    std::error_code ignored;
    fs::remove_all(dir, ignored);
}

}  // namespace
}  // namespace validprof::assess
