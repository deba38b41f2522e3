// Privileged: UprobeSet places the fixture BPF object's counting programs
// (bpf/uprobe_counter_fixture.bpf.c) in vp_uprobe_target, in both modes.
// The truths: what the target says it did (its calls, and whether its
// USDT semaphore was on), where libelf says its functions are, and the
// kernel's own list of BPF links.
#include <gtest/gtest.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bcc/bcc_runtime.h"
#include "bpf_support/kernel_features.h"
#include "bpf_support/uprobe_set.h"
#include "elf_symbol.h"
#include "phases/usdt_phases.h"
#include "uprobe_counter_fixture.skel.h"

namespace validprof::bpf_support {
namespace {

const std::string kTarget = VP_UPROBE_TARGET;

// Cookies past 32 bits: the whole 64 bits must reach the program.
constexpr std::uint64_t kAlphaCookie = 0xA1FA000000000001ull;
constexpr std::uint64_t kBetaCookie = 0xBE7A000000000002ull;
constexpr std::uint64_t kGammaCookie = 0x6A3A000000000003ull;
constexpr std::uint64_t kTickCookie = 0x71C0000000000004ull;

// BPF_LINK_TYPE_UPROBE_MULTI, newer than Debian 12's uapi headers.
constexpr std::uint32_t kLinkTypeUprobeMulti = 12;

struct FixtureDeleter {
    void operator()(uprobe_counter_fixture* skeleton) const { uprobe_counter_fixture__destroy(skeleton); }
};
using Fixture = std::unique_ptr<uprobe_counter_fixture, FixtureDeleter>;

// open → prepare both programs for the set's mode → load.
Fixture load_fixture(const UprobeSet& set) {
    Fixture fixture(uprobe_counter_fixture__open());
    if (!fixture) return nullptr;
    set.prepare(fixture->progs.count_entry);
    set.prepare(fixture->progs.count_return);
    if (uprobe_counter_fixture__load(fixture.get()) != 0) return nullptr;
    return fixture;
}

// vp_uprobe_target, started and waiting for its go.
class Target {
public:
    explicit Target(const std::vector<long>& counts) {
        int to_child[2], from_child[2];
        if (::pipe2(to_child, O_CLOEXEC) != 0 || ::pipe2(from_child, O_CLOEXEC) != 0) return;
        pid_ = ::fork();
        if (pid_ == 0) {
            ::dup2(to_child[0], STDIN_FILENO);
            ::dup2(from_child[1], STDOUT_FILENO);
            std::vector<std::string> arguments = {kTarget};
            for (long count : counts) arguments.push_back(std::to_string(count));
            std::vector<char*> argv;
            for (std::string& argument : arguments) argv.push_back(argument.data());
            argv.push_back(nullptr);
            ::execv(kTarget.c_str(), argv.data());
            ::_exit(127);
        }
        ::close(to_child[0]);
        ::close(from_child[1]);
        to_child_ = to_child[1];
        from_child_ = from_child[0];
    }
    ~Target() {
        if (pid_ > 0 && !reaped_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        if (to_child_ >= 0) ::close(to_child_);
        if (from_child_ >= 0) ::close(from_child_);
    }
    Target(const Target&) = delete;
    Target& operator=(const Target&) = delete;

    pid_t pid() const { return pid_; }

    // Lets it run to its end; what it reports, "name" → count.
    std::map<std::string, long> run() {
        std::map<std::string, long> report;
        if (::write(to_child_, "go\n", 3) != 3) return report;
        std::string output;
        char buffer[256];
        for (ssize_t got; (got = ::read(from_child_, buffer, sizeof(buffer))) > 0;) output.append(buffer, got);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        reaped_ = true;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return report;
        std::istringstream fields(output);
        for (std::string field; fields >> field;)
            if (auto equals = field.find('='); equals != std::string::npos)
                report[field.substr(0, equals)] = std::stol(field.substr(equals + 1));
        return report;
    }

private:
    pid_t pid_ = -1;
    int to_child_ = -1;
    int from_child_ = -1;
    bool reaped_ = false;
};

std::map<std::uint64_t, std::uint64_t> read_hits(bpf_map* map) {
    std::map<std::uint64_t, std::uint64_t> hits;
    int fd = bpf_map__fd(map);
    std::uint64_t key = 0, next = 0;
    for (bool first = true; bpf_map_get_next_key(fd, first ? nullptr : &key, &next) == 0; first = false) {
        key = next;
        std::uint64_t value = 0;
        if (bpf_map_lookup_elem(fd, &key, &value) == 0) hits[key] = value;
    }
    return hits;
}

std::uint32_t program_id(bpf_program* program) {
    bpf_prog_info info{};
    std::uint32_t length = sizeof(info);
    if (bpf_obj_get_info_by_fd(bpf_program__fd(program), &info, &length) != 0) return 0;
    return info.id;
}

// The kernel's BPF links of these programs, by link type.
std::map<std::uint32_t, std::size_t> kernel_links(const std::set<std::uint32_t>& programs) {
    std::map<std::uint32_t, std::size_t> by_type;
    for (std::uint32_t id = 0; bpf_link_get_next_id(id, &id) == 0;) {
        int fd = bpf_link_get_fd_by_id(id);
        if (fd < 0) continue;  // released meanwhile
        bpf_link_info info{};
        std::uint32_t length = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd, &info, &length) == 0 && programs.count(info.prog_id)) ++by_type[info.type];
        ::close(fd);
    }
    return by_type;
}

// The kernel frees a link's id once its last reference goes; a link some
// other context still holds may take a moment. The list as it is once it
// matches, or after a few seconds.
std::map<std::uint32_t, std::size_t> kernel_links_settled(const std::set<std::uint32_t>& programs,
                                                          const std::map<std::uint32_t, std::size_t>& expected) {
    auto links = kernel_links(programs);
    for (int attempt = 0; attempt < 50 && links != expected; ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        links = kernel_links(programs);
    }
    return links;
}

std::uint32_t link_type(UprobeMode mode) {
    return mode == UprobeMode::multi ? kLinkTypeUprobeMulti : static_cast<std::uint32_t>(BPF_LINK_TYPE_PERF_EVENT);
}

UprobeSite function_site(const std::string& name, std::uint64_t cookie) {
    auto symbol = testing::find_elf_symbol(kTarget, name);
    EXPECT_TRUE(symbol.has_value()) << name << " is not in " << kTarget;
    return {symbol ? symbol->file_offset : 0, cookie, name};
}

class UprobeSetPrivileged : public ::testing::TestWithParam<UprobeMode> {
protected:
    void SetUp() override {
        if (auto privileges = check_tracing_privileges(); !privileges)
            GTEST_SKIP() << "privileged test skipped: " << privileges.error().message;
        if (GetParam() == UprobeMode::multi && !kernel_features().uprobe_multi)
            GTEST_SKIP() << "no uprobe.multi here (Linux 6.6+), or VALIDPROF_NO_UPROBE_MULTI is set";
    }
};

TEST_P(UprobeSetPrivileged, SeesEveryCallWithItsSitesCookieUntilDestroyed) {
    auto set = std::make_unique<UprobeSet>(GetParam());
    Fixture fixture = load_fixture(*set);
    ASSERT_TRUE(fixture) << "the kernel refused the fixture programs";
    const std::set<std::uint32_t> programs = {program_id(fixture->progs.count_entry),
                                              program_id(fixture->progs.count_return)};

    std::vector<UprobeSite> functions = {function_site("vp_target_alpha", kAlphaCookie),
                                         function_site("vp_target_beta", kBetaCookie),
                                         function_site("vp_target_gamma", kGammaCookie)};
    // Returns of alpha and gamma only: beta's must not be counted.
    std::vector<UprobeSite> returning = {functions[0], functions[2]};
    auto entries = set->attach(fixture->progs.count_entry, kTarget, functions, false);
    ASSERT_TRUE(entries.ok()) << entries.error().message;
    auto returns = set->attach(fixture->progs.count_return, kTarget, returning, true);
    ASSERT_TRUE(returns.ok()) << returns.error().message;

    const std::size_t expected_links = GetParam() == UprobeMode::multi ? 2 : 5;
    EXPECT_EQ(set->link_count(), expected_links);
    EXPECT_EQ(kernel_links(programs), (std::map<std::uint32_t, std::size_t>{{link_type(GetParam()), expected_links}}));

    {
        Target target({3, 5, 7, 0});
        ASSERT_GT(target.pid(), 0);
        fixture->bss->target_tgid = static_cast<std::uint32_t>(target.pid());
        auto did = target.run();
        ASSERT_EQ(did.size(), 6u) << "the target failed";
        EXPECT_EQ(read_hits(fixture->maps.entry_hits),
                  (std::map<std::uint64_t, std::uint64_t>{{kAlphaCookie, static_cast<std::uint64_t>(did["alpha"])},
                                                          {kBetaCookie, static_cast<std::uint64_t>(did["beta"])},
                                                          {kGammaCookie, static_cast<std::uint64_t>(did["gamma"])}}));
        EXPECT_EQ(read_hits(fixture->maps.return_hits),
                  (std::map<std::uint64_t, std::uint64_t>{{kAlphaCookie, static_cast<std::uint64_t>(did["alpha"])},
                                                          {kGammaCookie, static_cast<std::uint64_t>(did["gamma"])}}));
    }
    const auto entry_hits = read_hits(fixture->maps.entry_hits);
    const auto return_hits = read_hits(fixture->maps.return_hits);

    set.reset();
    EXPECT_TRUE(kernel_links_settled(programs, {}).empty()) << "links left in the kernel after the set went";

    // The programs and maps are still loaded; only the links are gone.
    Target after({4, 4, 4, 0});
    ASSERT_GT(after.pid(), 0);
    fixture->bss->target_tgid = static_cast<std::uint32_t>(after.pid());
    auto did = after.run();
    ASSERT_EQ(did["alpha"], 4);
    EXPECT_EQ(read_hits(fixture->maps.entry_hits), entry_hits);
    EXPECT_EQ(read_hits(fixture->maps.return_hits), return_hits);
}

TEST_P(UprobeSetPrivileged, KeepsNothingOfAFailedAttachAndAllOfTheEarlierOnes) {
    UprobeSet set(GetParam());
    Fixture fixture = load_fixture(set);
    ASSERT_TRUE(fixture) << "the kernel refused the fixture programs";
    const std::set<std::uint32_t> programs = {program_id(fixture->progs.count_entry)};

    ASSERT_TRUE(set.attach(fixture->progs.count_entry, kTarget, {function_site("vp_target_alpha", kAlphaCookie)}, false)
                    .ok());
    ASSERT_EQ(set.link_count(), 1u);

    // The kernel refuses a uprobe past the file's end; per site, beta is
    // attached by then and must go again.
    struct stat info {};
    ASSERT_EQ(::stat(kTarget.c_str(), &info), 0);
    UprobeSite past_the_end{static_cast<std::uint64_t>(info.st_size) + 4096, kGammaCookie, "past_the_end"};
    auto failed = set.attach(fixture->progs.count_entry, kTarget,
                             {function_site("vp_target_beta", kBetaCookie), past_the_end}, false);
    ASSERT_FALSE(failed.ok());
    EXPECT_NE(failed.error().message.find(kTarget), std::string::npos) << failed.error().message;
    EXPECT_EQ(set.link_count(), 1u);
    const std::map<std::uint32_t, std::size_t> one_link = {{link_type(GetParam()), 1}};
    EXPECT_EQ(kernel_links_settled(programs, one_link), one_link);

    Target target({2, 6, 0, 0});
    ASSERT_GT(target.pid(), 0);
    fixture->bss->target_tgid = static_cast<std::uint32_t>(target.pid());
    auto did = target.run();
    ASSERT_EQ(did["alpha"], 2);
    EXPECT_EQ(read_hits(fixture->maps.entry_hits), (std::map<std::uint64_t, std::uint64_t>{{kAlphaCookie, 2}}));

    auto missing = set.attach(fixture->progs.count_entry, "/nonexistent/vp_uprobe_target",
                              {function_site("vp_target_alpha", kAlphaCookie)}, false);
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("/nonexistent/vp_uprobe_target"), std::string::npos)
        << missing.error().message;
}

// A USDT probe guarded by a semaphore fires only while a tracer has it
// counted up: the site's ref_ctr_offset does that in both modes, as
// libbpf's USDT attachment does.
TEST_P(UprobeSetPrivileged, TurnsAUsdtSemaphoreOnWhileAttached) {
    if (!bcc::available()) GTEST_SKIP() << "the USDT notes are read with libbcc, which cannot be loaded: " << bcc::message();
    std::vector<phases::UsdtSite> sites = phases::read_usdt_sites(kTarget);
    const phases::UsdtSite* tick = nullptr;
    for (const phases::UsdtSite& site : sites)
        if (site.provider == "vptest" && site.name == "tick") tick = &site;
    ASSERT_NE(tick, nullptr) << "no vptest:tick note in " << kTarget;
    auto semaphore = testing::find_elf_symbol(kTarget, "vptest_tick_semaphore");
    ASSERT_TRUE(semaphore.has_value());
    EXPECT_EQ(tick->semaphore_offset, semaphore->file_offset);

    for (bool with_semaphore : {true, false}) {
        SCOPED_TRACE(with_semaphore ? "with the semaphore" : "without the semaphore");
        UprobeSet set(GetParam());
        Fixture fixture = load_fixture(set);
        ASSERT_TRUE(fixture) << "the kernel refused the fixture programs";
        Target target({0, 0, 0, 5});
        ASSERT_GT(target.pid(), 0);
        fixture->bss->target_tgid = static_cast<std::uint32_t>(target.pid());
        // Attached while the target runs: the kernel counts the semaphore
        // up in processes that already have the file mapped, too.
        UprobeSite site{tick->file_offset, kTickCookie, "vptest:tick", with_semaphore ? tick->semaphore_offset : 0};
        auto attached = set.attach(fixture->progs.count_entry, kTarget, {site}, false);
        ASSERT_TRUE(attached.ok()) << attached.error().message;
        auto did = target.run();
        ASSERT_EQ(did["ticks"], 5);
        EXPECT_EQ(did["tick_enabled"], with_semaphore ? 5 : 0);
        auto hits = read_hits(fixture->maps.entry_hits);
        EXPECT_EQ(hits[kTickCookie], static_cast<std::uint64_t>(did["tick_enabled"]));
    }
}

INSTANTIATE_TEST_SUITE_P(Modes, UprobeSetPrivileged, ::testing::Values(UprobeMode::multi, UprobeMode::per_site),
                         [](const ::testing::TestParamInfo<UprobeMode>& mode) {
                             return std::string(mode.param == UprobeMode::multi ? "UprobeMulti" : "PerSite");
                         });

}  // namespace
}  // namespace validprof::bpf_support
