#include "sqlite/sqlite_symbols.h"

#include "bcc/bcc_runtime.h"
#include <elf.h>

#include <map>

#include "bpf_support/elf_segments.h"

namespace validprof::sqlite {
namespace {

struct Lookup {
    const std::map<std::string, std::uint32_t>* wanted;
    std::map<std::uint32_t, std::uint64_t> found;  // function → virtual address
};

int collect_symbol(const char* name, std::uint64_t address, std::uint64_t, void* payload) {
    auto* lookup = static_cast<Lookup*>(payload);
    if (!name || address == 0) return 0;
    if (auto it = lookup->wanted->find(name); it != lookup->wanted->end()) lookup->found.emplace(it->second, address);
    return 0;
}

}  // namespace

const std::vector<std::string>& probed_function_names() {
    static const std::vector<std::string> names = {
        "sqlite3_open",       "sqlite3_open_v2",       "sqlite3_prepare_v2", "sqlite3_prepare_v3",
        "sqlite3_prepare16_v2", "sqlite3_prepare16_v3", "sqlite3_step",       "sqlite3_exec",
        "sqlite3_reset",      "sqlite3_finalize",      "sqlite3_close",      "sqlite3_close_v2",
    };
    return names;
}

std::vector<FunctionSite> find_sqlite_functions(const std::string& path) {
    std::map<std::string, std::uint32_t> wanted;
    const auto& names = probed_function_names();
    for (std::uint32_t i = 0; i < names.size(); ++i) wanted[names[i]] = i;

    Lookup lookup{&wanted, {}};
    bcc_symbol_option option{};
    option.use_debug_file = 0;  // the API is in the binary's own tables
    option.use_symbol_type = (1u << STT_FUNC) | (1u << STT_GNU_IFUNC);
    bcc::elf_foreach_sym(path.c_str(), collect_symbol, &option, &lookup);
    // 2 = sqlite3_prepare_v2, 6 = sqlite3_step: without both it is not SQLite.
    if (!lookup.found.count(2) || !lookup.found.count(6)) return {};

    std::vector<bpf_support::LoadSegment> segments = bpf_support::read_load_segments(path);
    std::vector<FunctionSite> sites;
    for (const auto& [function, address] : lookup.found)
        if (auto offset = bpf_support::file_offset_of(segments, address)) sites.push_back({function, names[function], *offset});
    return sites;
}

}  // namespace validprof::sqlite
