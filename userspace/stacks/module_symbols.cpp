#include "stacks/module_symbols.h"

#include "bcc/bcc_runtime.h"
#include <cxxabi.h>
#include <elf.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

namespace validprof::stacks {
namespace {

int collect_symbol(const char* name, std::uint64_t address, std::uint64_t size, void* payload) {
    if (name && *name && address != 0)
        static_cast<std::vector<ModuleSymbols::Symbol>*>(payload)->push_back({address, size, name});
    return 0;
}

}  // namespace

std::string demangle(const std::string& name) {
    if (name.rfind("_Z", 0) != 0) return name;
    int status = 0;
    std::unique_ptr<char, decltype(&std::free)> demangled(abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status),
                                                          &std::free);
    return status == 0 && demangled ? std::string(demangled.get()) : name;
}

ModuleSymbols ModuleSymbols::load(const std::string& path) {
    ModuleSymbols module;
    module.segments_ = tracer::read_load_segments(path);
    bcc_symbol_option option{};
    option.use_debug_file = 1;
    option.check_debug_file_crc = 1;
    option.lazy_symbolize = 0;
    option.use_symbol_type = (1u << STT_FUNC) | (1u << STT_GNU_IFUNC);
    bcc::elf_foreach_sym(path.c_str(), collect_symbol, &option, &module.symbols_);
    module.index();
    return module;
}

ModuleSymbols ModuleSymbols::from_parts(std::vector<Segment> segments, std::vector<Symbol> symbols) {
    ModuleSymbols module;
    module.segments_ = std::move(segments);
    module.symbols_ = std::move(symbols);
    module.index();
    return module;
}

void ModuleSymbols::index() {
    std::sort(symbols_.begin(), symbols_.end(),
              [](const Symbol& a, const Symbol& b) { return a.address < b.address; });
}

std::optional<std::string> ModuleSymbols::resolve(std::uint64_t file_offset) const {
    // Without program headers, assume the identity mapping.
    std::uint64_t address = tracer::virtual_address_of(segments_, file_offset).value_or(file_offset);
    auto after = std::upper_bound(symbols_.begin(), symbols_.end(), address,
                                  [](std::uint64_t value, const Symbol& symbol) { return value < symbol.address; });
    if (after == symbols_.begin()) return std::nullopt;
    const Symbol& symbol = *(after - 1);
    // Sized symbols must contain the address; a size-0 symbol (hand-written
    // assembly) is taken as reaching up to the next one.
    if (symbol.size != 0 && address >= symbol.address + symbol.size) return std::nullopt;
    return demangle(symbol.name);
}

}  // namespace validprof::stacks
