// Source lines from DWARF (stacks/source_lines.h) and their pprof encoding,
// on vp_source_lines (built -g -O1, tests/workloads). The truth is
// independent of libdw: LLVM's llvm-symbolizer and binutils' nm read the
// same binary, the "vp-line:" marks in its source give the lines of known
// statements, and the call whose return address is checked is found in
// the binary's own bytes.
#include "stacks/source_lines.h"

#include <elf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "flamegraph/pprof.h"
#include "proto_reader.h"

namespace validprof::stacks {
namespace {

namespace fs = std::filesystem;

const std::string kBinary = std::string(VALIDPROF_WORKLOAD_DIR) + "/vp_source_lines";
const std::string kSource = std::string(VALIDPROF_SOURCE_DIR) + "/tests/workloads/vp_source_lines.cpp";

struct CommandResult {
    int status = -1;
    std::string output;
};

std::string shell_word(const std::string& word) {
    std::string out = "'";
    for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

CommandResult run(const std::string& command) {
    CommandResult result;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (!pipe) return result;
    char buffer[4096];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, got);
    result.status = ::pclose(pipe);
    return result;
}

bool have_tools() { return run("llvm-symbolizer --version").status == 0 && run("nm --version").status == 0; }

#define REQUIRE_TOOLS()                                                                                 \
    do {                                                                                                \
        if (!have_tools())                                                                              \
            GTEST_SKIP() << "llvm-symbolizer (Debian package llvm) and nm (binutils) are the truth here"; \
    } while (0)

// "vp-line: NAME" marks of the workload's source → their line numbers.
std::map<std::string, std::int64_t> marks() {
    std::map<std::string, std::int64_t> found;
    std::ifstream source(kSource);
    std::string line;
    for (std::int64_t number = 1; std::getline(source, line); ++number) {
        auto at = line.find("// vp-line: ");
        if (at != std::string::npos) found[line.substr(at + 12)] = number;
    }
    return found;
}

struct Symbol {
    std::uint64_t address = 0;
    std::uint64_t size = 0;
};

std::optional<Symbol> nm_symbol(const std::string& name) {
    std::istringstream lines(run("nm -S --defined-only " + shell_word(kBinary)).output);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        std::string address, size, type, symbol;
        if (fields >> address >> size >> type >> symbol && symbol == name)
            return Symbol{std::stoull(address, nullptr, 16), std::stoull(size, nullptr, 16)};
    }
    return std::nullopt;
}

std::vector<unsigned char> file_bytes(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

// The file offset of a virtual address, from the program headers.
std::uint64_t file_offset_of(const std::vector<unsigned char>& bytes, std::uint64_t address) {
    Elf64_Ehdr header;
    std::memcpy(&header, bytes.data(), sizeof header);
    for (unsigned i = 0; i < header.e_phnum; ++i) {
        Elf64_Phdr segment;
        std::memcpy(&segment, bytes.data() + header.e_phoff + i * header.e_phentsize, sizeof segment);
        if (segment.p_type == PT_LOAD && address >= segment.p_vaddr && address < segment.p_vaddr + segment.p_filesz)
            return address - segment.p_vaddr + segment.p_offset;
    }
    ADD_FAILURE() << "address 0x" << std::hex << address << " in no segment";
    return 0;
}

std::string build_id_hex(const std::string& path) {
    auto id = read_build_id(path);
    return id ? to_hex(*id) : "";
}

// llvm-symbolizer's inline chain of each address, innermost first.
// (binutils' addr2line would do, but names the inlined function after its
// caller at the first byte of its range.)
struct TruthFrame {
    std::string function;
    std::string file;
    std::int64_t line = 0;
};

std::map<std::uint64_t, std::vector<TruthFrame>> symbolizer_truth(const std::string& binary,
                                                                  const std::vector<std::uint64_t>& addresses) {
    std::string command = "llvm-symbolizer --print-address --inlining --functions=linkage --obj=" + shell_word(binary);
    char text[32];
    for (std::uint64_t address : addresses) {
        std::snprintf(text, sizeof text, " 0x%llx", static_cast<unsigned long long>(address));
        command += text;
    }
    // Blocks: the address, then function and file:line:column per frame.
    std::map<std::uint64_t, std::vector<TruthFrame>> chains;
    std::istringstream lines(run(command).output);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind("0x", 0) != 0) continue;
        std::vector<TruthFrame>& chain = chains[std::stoull(line, nullptr, 16)];
        std::string function, location;
        while (std::getline(lines, function) && !function.empty() && std::getline(lines, location)) {
            TruthFrame frame;
            frame.function = function;
            auto column = location.rfind(':');
            auto colon = column == std::string::npos || column == 0 ? std::string::npos : location.rfind(':', column - 1);
            if (colon != std::string::npos) {
                frame.file = location.substr(0, colon);
                frame.line = std::atoll(location.substr(colon + 1, column - colon - 1).c_str());
            }
            chain.push_back(frame);
        }
    }
    return chains;
}

bool same_file(const std::string& a, const std::string& b) {
    std::error_code error;
    return fs::equivalent(a, b, error);
}

// A call rel32 to `target` inside [from, from + size): the return address.
std::optional<std::uint64_t> return_address_of_call(const std::vector<unsigned char>& bytes, const Symbol& from,
                                                    std::uint64_t target) {
    std::uint64_t start = file_offset_of(bytes, from.address);
    for (std::uint64_t at = 0; at + 5 <= from.size; ++at) {
        if (bytes[start + at] != 0xe8) continue;
        std::int32_t relative;
        std::memcpy(&relative, bytes.data() + start + at + 1, sizeof relative);
        std::uint64_t next = from.address + at + 5;
        if (next + static_cast<std::int64_t>(relative) == target) return next;
    }
    return std::nullopt;
}

class SourceLinesTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!have_tools()) return;
        bytes_ = file_bytes(kBinary);
        ASSERT_GT(bytes_.size(), sizeof(Elf64_Ehdr)) << kBinary;
        id_ = build_id_hex(kBinary);
        ASSERT_FALSE(id_.empty()) << kBinary << " has no build-id";
        auto hot = nm_symbol("vp_lines_hot");
        auto caller = nm_symbol("vp_lines_caller");
        ASSERT_TRUE(hot && caller) << "nm found no vp_lines_hot or vp_lines_caller in " << kBinary;
        hot_ = *hot;
        caller_ = *caller;
        marks_ = marks();
        for (const char* mark : {"mix-start", "mix-shift", "mix-multiply", "hot-start", "hot-loop", "caller-start",
                                 "caller-call"})
            ASSERT_TRUE(marks_.count(mark)) << "mark " << mark << " missing from " << kSource;
    }

    // An address of vp_lines_hot that llvm-symbolizer places inside the inlined
    // vp_lines_mix (two functions in its chain).
    std::optional<std::uint64_t> inlined_address() {
        std::vector<std::uint64_t> addresses;
        for (std::uint64_t a = hot_.address; a < hot_.address + hot_.size; ++a) addresses.push_back(a);
        for (const auto& [address, chain] : symbolizer_truth(kBinary, addresses))
            if (chain.size() == 2 && chain[0].function == "vp_lines_mix" && chain[0].line > 0) return address;
        return std::nullopt;
    }

    std::vector<unsigned char> bytes_;
    std::string id_;
    Symbol hot_, caller_;
    std::map<std::string, std::int64_t> marks_;
};

TEST_F(SourceLinesTest, EveryAddressAgreesWithLlvmSymbolizer) {
    REQUIRE_TOOLS();
    SourceLines lines("/nonexistent");  // the binary's own DWARF
    lines.add_mapped_file(id_, kBinary);
    std::vector<std::uint64_t> addresses;
    for (const Symbol& symbol : {hot_, caller_})
        for (std::uint64_t a = symbol.address; a < symbol.address + symbol.size; ++a) addresses.push_back(a);
    auto truth = symbolizer_truth(kBinary, addresses);
    ASSERT_EQ(truth.size(), addresses.size()) << "llvm-symbolizer answered for fewer addresses";
    std::size_t compared = 0, inlined = 0;
    for (std::uint64_t address : addresses) {
        const std::vector<TruthFrame>& expected = truth[address];
        if (expected.empty() || expected.front().line == 0) continue;
        ++compared;
        auto chain = lines.lookup(id_, file_offset_of(bytes_, address), false);
        ASSERT_EQ(chain.size(), expected.size()) << "at 0x" << std::hex << address;
        for (std::size_t i = 0; i < chain.size(); ++i) {
            EXPECT_EQ(chain[i].line, expected[i].line) << "at 0x" << std::hex << address << ", function " << i;
            EXPECT_TRUE(same_file(chain[i].file, expected[i].file))
                << chain[i].file << " vs " << expected[i].file << " at 0x" << std::hex << address;
            // The outermost is named by the symbolizer, not here.
            EXPECT_EQ(chain[i].function, i + 1 < chain.size() ? expected[i].function : "");
        }
        inlined += chain.size() > 1;
    }
    EXPECT_GT(compared, hot_.size / 2) << "llvm-symbolizer placed few addresses";
    EXPECT_GT(inlined, 0u) << "no address inside the inlined vp_lines_mix";
    EXPECT_EQ(lines.objects_with_lines(), 1u);
}

TEST_F(SourceLinesTest, MarkedStatementsFunctionStartsAndTheCallOfAReturnAddress) {
    REQUIRE_TOOLS();
    SourceLines lines("/nonexistent");
    lines.add_mapped_file(id_, kBinary);
    auto address = inlined_address();
    ASSERT_TRUE(address) << "llvm-symbolizer sees no inlined vp_lines_mix in vp_lines_hot";
    auto chain = lines.lookup(id_, file_offset_of(bytes_, *address), false);
    ASSERT_EQ(chain.size(), 2u);
    EXPECT_EQ(chain[0].function, "vp_lines_mix");
    EXPECT_EQ(chain[0].function_line, marks_["mix-start"]);
    EXPECT_TRUE(chain[0].line == marks_["mix-shift"] || chain[0].line == marks_["mix-multiply"]) << chain[0].line;
    EXPECT_EQ(chain[1].function_line, marks_["hot-start"]);
    EXPECT_EQ(chain[1].line, marks_["hot-loop"]);
    for (const SourceLine& line : chain) EXPECT_TRUE(same_file(line.file, kSource)) << line.file;

    // vp_lines_caller's frame holds the address after its call: the line
    // is the call's.
    auto returned = return_address_of_call(bytes_, caller_, hot_.address);
    ASSERT_TRUE(returned) << "no call to vp_lines_hot in vp_lines_caller";
    auto caller = lines.lookup(id_, file_offset_of(bytes_, *returned), true);
    ASSERT_EQ(caller.size(), 1u);
    EXPECT_EQ(caller[0].line, marks_["caller-call"]);
    EXPECT_EQ(caller[0].function_line, marks_["caller-start"]);
    EXPECT_TRUE(same_file(caller[0].file, kSource)) << caller[0].file;
}

class TempDir {
public:
    TempDir() {
        char pattern[] = "/tmp/vp-source-lines-XXXXXX";
        path_ = ::mkdtemp(pattern);
    }
    ~TempDir() {
        std::error_code error;
        fs::remove_all(path_, error);
    }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

// A stripped object: its lines come from the debug file named by its
// build-id under the debug root, and without one there are none.
TEST_F(SourceLinesTest, SeparateDebugFileByBuildId) {
    REQUIRE_TOOLS();
    if (run("objcopy --version").status != 0) GTEST_SKIP() << "objcopy (binutils) makes the debug file here";
    TempDir dir;
    std::string stripped = dir.file("vp_source_lines.stripped");
    std::string debug_dir = dir.file("debug/.build-id/" + id_.substr(0, 2));
    fs::create_directories(debug_dir);
    std::string debug = debug_dir + "/" + id_.substr(2) + ".debug";
    ASSERT_EQ(run("objcopy --only-keep-debug " + shell_word(kBinary) + " " + shell_word(debug)).status, 0);
    ASSERT_EQ(run("objcopy --strip-debug " + shell_word(kBinary) + " " + shell_word(stripped)).status, 0);
    ASSERT_EQ(build_id_hex(stripped), id_);
    auto address = inlined_address();
    ASSERT_TRUE(address);
    std::uint64_t offset = file_offset_of(bytes_, *address);

    SourceLines original("/nonexistent");
    original.add_mapped_file(id_, kBinary);
    auto expected = original.lookup(id_, offset, false);
    ASSERT_EQ(expected.size(), 2u);

    SourceLines with_debug_file(dir.file("debug"));
    with_debug_file.add_mapped_file(id_, stripped);
    auto chain = with_debug_file.lookup(id_, offset, false);
    ASSERT_EQ(chain.size(), expected.size());
    for (std::size_t i = 0; i < chain.size(); ++i) {
        EXPECT_EQ(chain[i].line, expected[i].line);
        EXPECT_EQ(chain[i].function_line, expected[i].function_line);
        EXPECT_EQ(chain[i].function, expected[i].function);
    }

    // The object gone too: the debug file alone, offsets taken as addresses.
    SourceLines debug_file_only(dir.file("debug"));
    if (offset == *address) {
        EXPECT_EQ(debug_file_only.lookup(id_, offset, false).size(), expected.size());
    }

    SourceLines without(dir.file("nothing"));
    without.add_mapped_file(id_, stripped);
    EXPECT_TRUE(without.lookup(id_, offset, false).empty());
    EXPECT_EQ(without.objects_with_lines(), 0u);
}

// A path that now holds another file says nothing of the old one.
TEST_F(SourceLinesTest, AReplacedFileIsNotRead) {
    REQUIRE_TOOLS();
    TempDir dir;
    std::string other = dir.file("replaced");
    fs::copy_file("/proc/self/exe", other);
    SourceLines lines(dir.file("nothing"));
    lines.add_mapped_file(id_, other);
    auto address = inlined_address();
    ASSERT_TRUE(address);
    EXPECT_TRUE(lines.lookup(id_, file_offset_of(bytes_, *address), false).empty());
    EXPECT_TRUE(lines.lookup("not hex", 0x1000, false).empty());
}

// --- the pprof export -----------------------------------------------------

using flamegraph::testing::read_bytes;
using flamegraph::testing::read_message;
using flamegraph::testing::read_scalar;

struct DecodedFunction {
    std::string name, file;
    std::int64_t start_line = 0;
};
struct DecodedLine {
    DecodedFunction function;
    std::int64_t line = 0;
};
struct DecodedPprof {
    std::map<std::string, std::pair<bool, bool>> mapping_flags;         // file → (has_filenames, has_line_numbers)
    std::vector<std::vector<DecodedLine>> locations;
};

DecodedPprof decode(const std::string& encoded) {
    DecodedPprof out;
    const auto fields = read_message(encoded);
    std::vector<std::string> strings;
    for (auto s : read_bytes(fields, 6)) strings.emplace_back(s);
    auto str = [&](std::uint64_t i) { return i < strings.size() ? strings[i] : std::string("<bad index>"); };
    std::map<std::uint64_t, DecodedFunction> functions;
    for (auto f : read_bytes(fields, 5)) {
        auto m = read_message(f);
        functions[read_scalar(m, 1)] = {str(read_scalar(m, 2)), str(read_scalar(m, 4)),
                                        static_cast<std::int64_t>(read_scalar(m, 5))};
    }
    for (auto f : read_bytes(fields, 3)) {
        auto m = read_message(f);
        out.mapping_flags[str(read_scalar(m, 5))] = {read_scalar(m, 8) == 1, read_scalar(m, 9) == 1};
    }
    for (auto f : read_bytes(fields, 4)) {
        std::vector<DecodedLine> location;
        for (auto l : read_bytes(read_message(f), 4)) {
            auto m = read_message(l);
            EXPECT_TRUE(functions.count(read_scalar(m, 1)));
            location.push_back({functions[read_scalar(m, 1)], static_cast<std::int64_t>(read_scalar(m, 2))});
        }
        out.locations.push_back(location);
    }
    return out;
}

TEST_F(SourceLinesTest, PprofLocationsCarryTheInlineChainAndTheMappingSaysSo) {
    REQUIRE_TOOLS();
    auto address = inlined_address();
    auto returned = return_address_of_call(bytes_, caller_, hot_.address);
    ASSERT_TRUE(address && returned);

    // As the flame graph command builds it from storage: the object's path,
    // build-id and file offsets; names from the symbolizer.
    flamegraph::ProfileBuilder builder(1'000'000);
    const std::string other = "/usr/lib/x86_64-linux-gnu/libnothing.so";
    std::vector<flamegraph::Frame> frames = {
        {"somewhere_else", other, false, 0x1234, std::string(40, 'a')},
        {"vp_lines_caller", kBinary, false, file_offset_of(bytes_, *returned), id_},
        {"vp_lines_hot", kBinary, false, file_offset_of(bytes_, *address), id_},
    };
    flamegraph::StackSample sample;
    sample.count = 7;
    sample.hook = "h";
    sample.process = "p";
    builder.add(frames, sample);
    flamegraph::Profile profile = builder.take();

    SourceLines lines("/nonexistent");
    lines.add_mapped_file(id_, kBinary);
    flamegraph::add_source_lines(profile, [&](const flamegraph::Frame& frame, bool return_address) {
        std::vector<flamegraph::SourceLine> chain;
        for (SourceLine& line : lines.lookup(frame.build_id, frame.address, return_address))
            chain.push_back({line.function, line.file, line.function_line, line.line});
        return chain;
    });
    auto encoded = flamegraph::encode_pprof(profile, flamegraph::Selection{});
    ASSERT_TRUE(encoded.ok()) << encoded.error().message;
    DecodedPprof decoded = decode(*encoded);

    ASSERT_EQ(decoded.locations.size(), 3u);
    const DecodedLine* leaf = nullptr;
    const DecodedLine* caller = nullptr;
    for (const auto& location : decoded.locations) {
        if (location.size() == 2) leaf = location.data();
        if (location.size() == 1 && location[0].function.name == "vp_lines_caller") caller = location.data();
        if (location.size() == 1 && location[0].function.name == "somewhere_else") {
            EXPECT_EQ(location[0].line, 0);  // no DWARF found: a name alone
            EXPECT_EQ(location[0].function.file, "");
        }
    }
    ASSERT_NE(leaf, nullptr) << "the leaf has no inline chain";
    // Innermost first: vp_lines_mix inlined into vp_lines_hot.
    EXPECT_EQ(leaf[0].function.name, "vp_lines_mix");
    EXPECT_EQ(leaf[0].function.start_line, marks_["mix-start"]);
    EXPECT_TRUE(leaf[0].line == marks_["mix-shift"] || leaf[0].line == marks_["mix-multiply"]) << leaf[0].line;
    EXPECT_TRUE(same_file(leaf[0].function.file, kSource)) << leaf[0].function.file;
    EXPECT_EQ(leaf[1].function.name, "vp_lines_hot");
    EXPECT_EQ(leaf[1].function.start_line, marks_["hot-start"]);
    EXPECT_EQ(leaf[1].line, marks_["hot-loop"]);
    EXPECT_TRUE(same_file(leaf[1].function.file, kSource)) << leaf[1].function.file;
    ASSERT_NE(caller, nullptr);
    EXPECT_EQ(caller->line, marks_["caller-call"]);
    EXPECT_EQ(caller->function.start_line, marks_["caller-start"]);

    EXPECT_EQ(decoded.mapping_flags[kBinary], std::make_pair(true, true));
    EXPECT_EQ(decoded.mapping_flags[other], std::make_pair(false, false));
}

}  // namespace
}  // namespace validprof::stacks
