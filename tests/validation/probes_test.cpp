// The USDT notes in the built validcore executable against the provider
// definition in probes/validcore.d: same probe names, same argument counts.
// readelf (binutils) reads the notes, independently of <sys/sdt.h>.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace {

std::map<std::string, int> probes_in_definition(const std::string& path) {
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    std::map<std::string, int> probes;
    const std::string content = text.str();
    const std::regex probe(R"(probe\s+(\w+)\s*\(([^)]*)\)\s*;)");
    for (auto it = std::sregex_iterator(content.begin(), content.end(), probe); it != std::sregex_iterator(); ++it) {
        const std::string args = (*it)[2];
        int count = args.find_first_not_of(" \t") == std::string::npos ? 0 : 1;
        for (char c : args) count += c == ',' ? 1 : 0;
        probes[(*it)[1]] = count;
    }
    return probes;
}

// name -> argument counts seen (a probe used at several sites has several notes).
std::map<std::string, std::set<int>> probes_in_binary(const std::string& binary, bool& ran) {
    std::map<std::string, std::set<int>> probes;
    FILE* pipe = ::popen(("readelf -n '" + binary + "' 2>/dev/null").c_str(), "r");
    ran = pipe != nullptr;
    if (!pipe) return probes;
    std::string output;
    char buffer[4096];
    std::size_t got;
    while ((got = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, got);
    ran = ::pclose(pipe) == 0;
    std::istringstream lines(output);
    std::string line, provider, name;
    while (std::getline(lines, line)) {
        std::smatch match;
        if (std::regex_search(line, match, std::regex(R"(Provider: (\S+))"))) provider = match[1];
        if (std::regex_search(line, match, std::regex(R"(Name: (\S+))"))) name = match[1];
        if (std::regex_search(line, match, std::regex(R"(Arguments:(.*))")) && provider == "validcore") {
            std::istringstream args(match[1].str());
            int count = 0;
            std::string arg;
            while (args >> arg) ++count;
            probes[name].insert(count);
        }
    }
    return probes;
}

TEST(Probes, BinaryNotesMatchTheProviderDefinition) {
    const auto defined = probes_in_definition(VALIDCORE_PROBES_DEFINITION);
    ASSERT_GE(defined.size(), 20u) << "could not read " << VALIDCORE_PROBES_DEFINITION;
    bool ran = false;
    const auto built = probes_in_binary(VALIDCORE_BINARY, ran);
    if (!ran) GTEST_SKIP() << "readelf (binutils) is not available to read the notes";
    std::set<std::string> defined_names, built_names;
    for (const auto& [name, count] : defined) defined_names.insert(name);
    for (const auto& [name, counts] : built) built_names.insert(name);
    EXPECT_EQ(built_names, defined_names);
    for (const auto& [name, counts] : built) {
        auto definition = defined.find(name);
        if (definition == defined.end()) continue;
        EXPECT_EQ(counts, std::set<int>{definition->second}) << name;
    }
}

}  // namespace
