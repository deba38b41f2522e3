// pprof output gunzipped and decoded twice: by the wire reader in
// proto_reader.h, and by protoc against a .proto written from the public
// format (when protoc is installed). Both must find the sample totals and
// resolve every id and string.
#include "flamegraph/pprof.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "proto_reader.h"
#include "test_profiles.h"

namespace validprof::flamegraph {
namespace {

using namespace testing;

struct DecodedSample {
    std::vector<std::string> frames;  // leaf first, as stored
    std::array<std::uint64_t, 4> values{};
    std::map<std::string, std::string> string_labels;
    std::map<std::string, std::int64_t> number_labels;
};

struct DecodedProfile {
    std::vector<std::string> strings;
    std::vector<std::pair<std::string, std::string>> sample_types;
    std::vector<DecodedSample> samples;
    std::string default_sample_type;
    std::pair<std::string, std::string> period_type;
    std::int64_t period = 0;
    std::vector<std::string> comments;
    std::set<std::string> mapping_files;
    // Per location: (mapping file, mapping build-id, address - memory_start
    // + file_offset), what a symbolization server reads.
    std::map<std::string, std::tuple<std::string, std::string, std::uint64_t>> location_of_function;
};

// Resolves every reference or fails the test.
DecodedProfile decode(const std::string& gzipped) {
    DecodedProfile out;
    const std::string raw = gunzip(gzipped);
    const auto fields = read_message(raw);
    for (auto s : read_bytes(fields, 6)) out.strings.emplace_back(s);
    EXPECT_FALSE(out.strings.empty());
    if (out.strings.empty()) return out;
    EXPECT_EQ(out.strings[0], "");
    auto str = [&](std::uint64_t index) -> std::string {
        EXPECT_LT(index, out.strings.size());
        return index < out.strings.size() ? out.strings[index] : "<bad index>";
    };

    for (auto vt : read_bytes(fields, 1)) {
        const auto f = read_message(vt);
        out.sample_types.emplace_back(str(read_scalar(f, 1)), str(read_scalar(f, 2)));
    }
    std::map<std::uint64_t, std::string> mappings;
    struct MappingRange {
        std::uint64_t start, limit, offset;
        std::string build_id;
    };
    std::map<std::uint64_t, MappingRange> ranges;
    for (auto m : read_bytes(fields, 3)) {
        const auto f = read_message(m);
        const std::uint64_t id = read_scalar(f, 1);
        EXPECT_NE(id, 0u);
        EXPECT_TRUE(mappings.emplace(id, str(read_scalar(f, 5))).second) << "duplicate mapping id";
        out.mapping_files.insert(str(read_scalar(f, 5)));
        ranges[id] = {read_scalar(f, 2), read_scalar(f, 3), read_scalar(f, 4), str(read_scalar(f, 6))};
    }
    std::map<std::uint64_t, std::string> functions;
    for (auto fn : read_bytes(fields, 5)) {
        const auto f = read_message(fn);
        const std::uint64_t id = read_scalar(f, 1);
        EXPECT_NE(id, 0u);
        EXPECT_TRUE(functions.emplace(id, str(read_scalar(f, 2))).second) << "duplicate function id";
    }
    std::map<std::uint64_t, std::string> locations;  // id → function name
    for (auto loc : read_bytes(fields, 4)) {
        const auto f = read_message(loc);
        const std::uint64_t id = read_scalar(f, 1);
        EXPECT_NE(id, 0u);
        const std::uint64_t mapping = read_scalar(f, 2);
        if (mapping != 0) {
            EXPECT_TRUE(mappings.count(mapping)) << "location " << id << " mapping " << mapping;
        }
        const auto lines = read_bytes(f, 4);
        EXPECT_EQ(lines.size(), 1u);
        const std::uint64_t function = lines.empty() ? 0 : read_scalar(read_message(lines[0]), 1);
        EXPECT_TRUE(functions.count(function)) << "location " << id << " function " << function;
        EXPECT_TRUE(locations.emplace(id, functions[function]).second) << "duplicate location id";
        const std::uint64_t address = read_scalar(f, 3);
        if (address != 0 && mapping != 0) {
            const MappingRange& range = ranges[mapping];
            EXPECT_GE(address, range.start) << "location " << id;
            EXPECT_LT(address, range.limit) << "location " << id;
            out.location_of_function[functions[function]] = {mappings[mapping], range.build_id,
                                                              address - range.start + range.offset};
        }
    }
    for (auto s : read_bytes(fields, 2)) {
        const auto f = read_message(s);
        DecodedSample sample;
        for (std::uint64_t id : read_repeated(f, 1)) {
            EXPECT_TRUE(locations.count(id)) << "sample location " << id;
            sample.frames.push_back(locations[id]);
        }
        const auto values = read_repeated(f, 2);
        EXPECT_EQ(values.size(), out.sample_types.size());
        for (std::size_t i = 0; i < values.size() && i < 4; ++i) sample.values[i] = values[i];
        for (auto l : read_bytes(f, 3)) {
            const auto lf = read_message(l);
            const std::string key = str(read_scalar(lf, 1));
            if (read_scalar(lf, 2) != 0) {
                sample.string_labels[key] = str(read_scalar(lf, 2));
            } else {
                sample.number_labels[key] = static_cast<std::int64_t>(read_scalar(lf, 3));
            }
        }
        out.samples.push_back(std::move(sample));
    }
    out.default_sample_type = str(read_scalar(fields, 14));
    for (auto p : read_bytes(fields, 11)) {
        const auto f = read_message(p);
        out.period_type = {str(read_scalar(f, 1)), str(read_scalar(f, 2))};
    }
    out.period = static_cast<std::int64_t>(read_scalar(fields, 12));
    for (std::uint64_t c : read_repeated(fields, 13)) out.comments.push_back(str(c));
    return out;
}

std::string pprof(const Profile& profile, const Selection& selection, const PprofOptions& options = {}) {
    std::ostringstream out;
    auto written = write_pprof(out, profile, selection, options);
    EXPECT_TRUE(written.ok()) << written.error().message;
    return out.str();
}

// Expected sums of the four sample types, straight from the samples.
std::array<std::uint64_t, 4> expected_values(const Profile& p, View view, const std::optional<std::string>& hook = {}) {
    std::array<std::uint64_t, 4> v{};
    for (const auto& s : p.samples) {
        if (!selected(s, view, hook)) continue;
        v[0] += s.count;
        if (s.kind == SampleKind::kCpu) v[1] += s.count * p.sample_period_ns;
        else v[2] += s.weight_ns;
    }
    v[3] = v[1] + v[2];
    return v;
}

std::array<std::uint64_t, 4> sums(const DecodedProfile& d) {
    std::array<std::uint64_t, 4> v{};
    for (const auto& s : d.samples) {
        for (int i = 0; i < 4; ++i) v[i] += s.values[i];
    }
    return v;
}

TEST(Pprof, IsGzipAndDecodesWithTotalsInEveryView) {
    const Profile profile = small_profile();
    for (View view : {View::kCpu, View::kOffCpu, View::kWall}) {
        SCOPED_TRACE(std::string(view_name(view)));
        Selection selection;
        selection.view = view;
        const std::string file = pprof(profile, selection);
        ASSERT_GE(file.size(), 2u);
        EXPECT_EQ(static_cast<unsigned char>(file[0]), 0x1f);
        EXPECT_EQ(static_cast<unsigned char>(file[1]), 0x8b);
        const DecodedProfile d = decode(file);
        const std::vector<std::pair<std::string, std::string>> types = {
            {"samples", "count"}, {"cpu", "nanoseconds"}, {"off-cpu", "nanoseconds"}, {"wall", "nanoseconds"}};
        EXPECT_EQ(d.sample_types, types);
        EXPECT_EQ(sums(d), expected_values(profile, view));
        EXPECT_EQ(d.default_sample_type, view == View::kCpu ? "cpu" : view == View::kOffCpu ? "off-cpu" : "wall");
        EXPECT_EQ(d.period_type, (std::pair<std::string, std::string>{"cpu", "nanoseconds"}));
        EXPECT_EQ(d.period, static_cast<std::int64_t>(kPeriodNs));
        ASSERT_EQ(d.comments.size(), 1u);
        EXPECT_EQ(d.comments[0], "validprof " + std::string(view_name(view)) + " profile: session 7");
    }
}

TEST(Pprof, StacksAreLeafFirstWithModulesAsMappings) {
    const DecodedProfile d = decode(pprof(small_profile(), Selection{}));
    bool found = false;
    for (const auto& s : d.samples) {
        if (s.frames == std::vector<std::string>{"lint", "main", "_start"}) {
            found = true;
            EXPECT_EQ(s.values[0], 20u);
            EXPECT_EQ(s.values[1], 20 * kPeriodNs);
            EXPECT_EQ(s.string_labels.at("hook"), "pre-commit");
            EXPECT_EQ(s.string_labels.at("process"), "node");
        }
    }
    EXPECT_TRUE(found);
    EXPECT_TRUE(d.mapping_files.count("/usr/bin/git"));
    EXPECT_TRUE(d.mapping_files.count("/tmp/perf-300.map"));
}

// Addresses a server can symbolize: per location the object's full path
// and build-id in its mapping, and its file offset back from the address.
TEST(Pprof, LocationsCarryFileOffsetsInMappingsWithPathAndBuildId) {
    ProfileBuilder b(kPeriodNs);
    std::vector<Frame> stack = {
        {"_start", "/usr/bin/git", false, 0x1040, "aabbccddeeff00112233445566778899aabbccdd"},
        {"main", "/usr/bin/git", false, 0x2345, "aabbccddeeff00112233445566778899aabbccdd"},
        {"compress", "/usr/lib/x86_64-linux-gnu/libz.so.1", false, 0x9abc, "0011"},
        {"schedule", "[kernel]", true, 0xffffffff81234567ull, ""},
        {"vpHotLoop", "[jit]", false, 0x7f0000001000ull, ""},
    };
    b.add(stack, testing::cpu(5, "pre-commit", 1, 100, "git"));
    b.set_invocations("pre-commit", 1);
    const DecodedProfile d = decode(pprof(b.take(), Selection{}));
    ASSERT_EQ(d.location_of_function.count("main"), 1u);
    EXPECT_EQ(d.location_of_function.at("main"),
              std::make_tuple(std::string("/usr/bin/git"), std::string("aabbccddeeff00112233445566778899aabbccdd"),
                              std::uint64_t{0x2345}));
    EXPECT_EQ(std::get<2>(d.location_of_function.at("_start")), 0x1040u);
    EXPECT_EQ(d.location_of_function.at("compress"),
              std::make_tuple(std::string("/usr/lib/x86_64-linux-gnu/libz.so.1"), std::string("0011"),
                              std::uint64_t{0x9abc}));
    // Kernel addresses stay kernel addresses.
    ASSERT_EQ(d.location_of_function.count("schedule"), 1u);
    EXPECT_EQ(std::get<2>(d.location_of_function.at("schedule")) - 0, 0xffffffff81234567ull - 0xffff800000000000ull);
    // A JIT frame has no file to be an offset in: no address.
    EXPECT_EQ(d.location_of_function.count("vpHotLoop"), 0u);
}

TEST(Pprof, LabelsSplitByHookAndStateAndOptionallyByInvocation) {
    const Profile profile = small_profile();
    Selection selection;
    selection.view = View::kWall;
    const DecodedProfile merged = decode(pprof(profile, selection));
    std::map<std::string, std::uint64_t> wall_by_hook;
    std::set<std::string> states;
    for (const auto& s : merged.samples) {
        wall_by_hook[s.string_labels.at("hook")] += s.values[3];
        if (s.values[2] > 0) states.insert(s.string_labels.at("state"));
        EXPECT_TRUE(s.number_labels.empty());
    }
    EXPECT_EQ(wall_by_hook.at("pre-commit"), expected_values(profile, View::kWall, "pre-commit")[3]);
    EXPECT_EQ(wall_by_hook.at("post-checkout"), expected_values(profile, View::kWall, "post-checkout")[3]);
    EXPECT_EQ(states, (std::set<std::string>{"blocked", "sleeping"}));
    // The compress stack of invocations 1 and 2 merges without invocation labels...
    PprofOptions options;
    options.invocation_labels = true;
    const DecodedProfile split = decode(pprof(profile, selection, options));
    EXPECT_EQ(split.samples.size(), merged.samples.size() + 1);
    std::map<std::int64_t, std::uint64_t> by_invocation;
    for (const auto& s : split.samples) {
        by_invocation[s.number_labels.at("invocation")] += s.values[0];
        EXPECT_GT(s.number_labels.at("pid"), 0);
    }
    // ...and with them each invocation's sample count comes back.
    EXPECT_EQ(by_invocation.at(1), 30u + 10u + 2u);
    EXPECT_EQ(by_invocation.at(2), 6u + 20u + 5u);
    EXPECT_EQ(by_invocation.at(3), 4u + 1u + 1u);
    EXPECT_EQ(sums(split), sums(merged));
}

TEST(Pprof, HostileNamesAreValidStringsAndResolve) {
    const Profile profile = hostile_profile();
    const DecodedProfile d = decode(pprof(profile, Selection{}));
    std::set<std::string> leaves;
    for (const auto& s : d.samples) {
        leaves.insert(s.frames.front());
        EXPECT_EQ(s.string_labels.at("hook"), "<hook>&\"");
        EXPECT_EQ(s.string_labels.at("process"), "</script>");
    }
    // pprof keeps ';' (it has no separator to protect) but, like every
    // format, no control character or invalid UTF-8.
    for (const char* name : {"<script>alert(\"x\")</script>", "a & b && c", "]]>", "semi;colon", "new?line",
                             "nul?byte", "bad\xEF\xBF\xBD" "byte", "\"double\" and 'single'"}) {
        EXPECT_TRUE(leaves.count(name)) << name;
    }
    EXPECT_EQ(sums(d), expected_values(profile, View::kCpu));
    EXPECT_TRUE(d.mapping_files.count("/usr/bin/<evil>&\""));
}

TEST(Pprof, EmptySelectionIsAValidEmptyProfile) {
    Selection selection;
    selection.hook = "no-such-hook";
    const DecodedProfile d = decode(pprof(small_profile(), selection));
    EXPECT_TRUE(d.samples.empty());
    EXPECT_EQ(d.sample_types.size(), 4u);
}

TEST(Pprof, NoSamplePeriodIsAnErrorForCpuSamples) {
    Profile profile = small_profile();
    profile.sample_period_ns = 0;
    std::ostringstream out;
    EXPECT_FALSE(write_pprof(out, profile, Selection{}).ok());
    Selection off;
    off.view = View::kOffCpu;
    EXPECT_TRUE(write_pprof(out, profile, off).ok());
}

// --- protoc, an independent decoder ---------------------------------------

std::string c_unescape(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\' || i + 1 == text.size()) {
            out.push_back(text[i]);
            continue;
        }
        const char c = text[++i];
        switch (c) {
            case 'n': out.push_back('\n'); break;
            case 't': out.push_back('\t'); break;
            case 'r': out.push_back('\r'); break;
            case '"': out.push_back('"'); break;
            case '\'': out.push_back('\''); break;
            case '\\': out.push_back('\\'); break;
            case 'x': {
                std::size_t used = 0;
                out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), &used, 16)));
                i += used;
                break;
            }
            default:
                if (c >= '0' && c <= '7') {
                    out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i, 3)), nullptr, 8)));
                    i += 2;
                } else {
                    out.push_back(c);
                }
        }
    }
    return out;
}

TEST(Pprof, ProtocDecodesItAgainstTheFormatsFieldNumbers) {
    const std::string protoc = VALIDPROF_PROTOC;
    if (protoc.empty()) GTEST_SKIP() << "protoc not installed (Debian package protobuf-compiler)";
    Profile profile = hostile_profile();
    // Source lines on every other frame, an inline chain on some: the
    // fields of Function, Line and Mapping that only lines bring.
    for (std::size_t i = 0; i < profile.frames.size(); i += 2) {
        if (i % 4 == 0) profile.frames[i].lines.push_back({"inlined<&>", "/src/new\nline.h", 3, 7});
        profile.frames[i].lines.push_back({"", "/src/file.c", 10, 12});
    }
    Selection selection;
    selection.view = View::kWall;
    auto encoded = encode_pprof(profile, selection);
    ASSERT_TRUE(encoded.ok());

    const auto dir = std::filesystem::temp_directory_path() / ("validprof-pprof-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "profile.pb", std::ios::binary) << *encoded;
    // Quoted: source and temporary directories may hold spaces.
    auto quoted = [](const std::string& word) {
        std::string out = "'";
        for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
        return out + "'";
    };
    const std::string proto_dir = VALIDPROF_TEST_SOURCE_DIR;
    const std::string command = quoted(protoc) + " --proto_path=" + quoted(proto_dir) +
                                " --decode=perftools.profiles.Profile pprof_subset.proto < " +
                                quoted((dir / "profile.pb").string()) + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string text;
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, pipe)) text += buffer;
    const int status = ::pclose(pipe);
    std::filesystem::remove_all(dir);
    ASSERT_EQ(status, 0) << text;

    // Text format: "sample {", "  value: 30", "string_table: \"...\"", "}".
    std::array<std::uint64_t, 4> values{};
    std::vector<std::string> strings;
    std::vector<std::string> path;
    std::size_t value_index = 0;
    std::map<std::string, std::size_t> line_fields;  // "function.start_line" → times seen
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        const auto start = line.find_first_not_of(' ');
        if (start == std::string::npos) continue;
        const std::string_view body = std::string_view(line).substr(start);
        if (body == "}") {
            path.pop_back();
            continue;
        }
        if (body.ends_with(" {")) {
            path.emplace_back(body.substr(0, body.size() - 2));
            if (path.size() == 1 && path[0] == "sample") value_index = 0;
            continue;
        }
        const auto colon = body.find(": ");
        ASSERT_NE(colon, std::string_view::npos) << line;
        const std::string_view key = body.substr(0, colon);
        const std::string_view value = body.substr(colon + 2);
        EXPECT_FALSE(key.front() >= '0' && key.front() <= '9') << "unknown field in protoc output: " << line;
        if (!path.empty() && (key == "start_line" || key == "line" || key == "has_line_numbers" ||
                              key == "has_filenames" || key == "has_inline_frames" || key == "filename"))
            line_fields[path.back() + "." + std::string(key)] += 1;
        if (path.size() == 1 && path[0] == "sample" && key == "value") {
            values[value_index++ % 4] += std::stoull(std::string(value));
        }
        if (path.empty() && key == "string_table") {
            ASSERT_TRUE(value.size() >= 2 && value.front() == '"' && value.back() == '"') << line;
            strings.push_back(c_unescape(value.substr(1, value.size() - 2)));
        }
    }
    EXPECT_TRUE(path.empty());
    const auto expected = expected_values(profile, View::kWall);
    EXPECT_EQ(values, expected);
    const std::set<std::string> table(strings.begin(), strings.end());
    for (const char* name : {"<script>alert(\"x\")</script>", "x]]>y<![CDATA[z", "semi;colon", "new?line",
                             "bad\xEF\xBF\xBD" "byte", "<hook>&\"", "wall", "inlined<&>", "/src/new?line.h",
                             "/src/file.c"}) {
        EXPECT_TRUE(table.count(name)) << name;
    }
    for (const char* field : {"function.start_line", "function.filename", "line.line", "mapping.has_filenames",
                              "mapping.has_line_numbers", "mapping.has_inline_frames"})
        EXPECT_GT(line_fields[field], 0u) << field << " not in protoc's decoding:\n" << text;
}

}  // namespace
}  // namespace validprof::flamegraph
