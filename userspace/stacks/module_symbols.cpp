#include "stacks/module_symbols.h"

#include "bcc/bcc_runtime.h"
#include <cxxabi.h>
#include <elf.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>

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
    module.segments_ = bpf_support::read_load_segments(path);
    bcc_symbol_option option{};
    option.use_debug_file = 1;
    option.check_debug_file_crc = 1;
    option.lazy_symbolize = 0;
    option.use_symbol_type = (1u << STT_FUNC) | (1u << STT_GNU_IFUNC);
    bcc::elf_foreach_sym(path.c_str(), collect_symbol, &option, &module.symbols_);
    module.index();
    return module;
}

ModuleSymbols ModuleSymbols::from_image(const ElfImage& image) {
    ModuleSymbols module;
    for (const ElfImage::Segment& segment : image.segments())
        if (segment.executable) module.segments_.push_back({segment.virtual_address, segment.file_size, segment.file_offset});
    auto table = image.section(".symtab");
    auto names = image.section(".strtab");
    if (!table || !names) {
        table = image.section(".dynsym");
        names = image.section(".dynstr");
    }
    if (!table || !names) return module;
    // ElfImage checked that both sections lie inside the image.
    std::span<const unsigned char> bytes = image.bytes();
    const char* strings = reinterpret_cast<const char*>(bytes.data() + names->file_offset);
    std::vector<std::pair<Symbol, bool>> found;  // symbol, global
    for (std::uint64_t at = 0; at + sizeof(Elf64_Sym) <= table->size; at += sizeof(Elf64_Sym)) {
        Elf64_Sym symbol;
        std::memcpy(&symbol, bytes.data() + table->file_offset + at, sizeof(symbol));
        int type = ELF64_ST_TYPE(symbol.st_info);
        if ((type != STT_FUNC && type != STT_GNU_IFUNC) || symbol.st_shndx == SHN_UNDEF || symbol.st_value == 0 ||
            symbol.st_name >= names->size)
            continue;
        std::string name(strings + symbol.st_name, strnlen(strings + symbol.st_name, names->size - symbol.st_name));
        if (name.empty()) continue;
        found.push_back({{symbol.st_value, symbol.st_size, std::move(name)}, ELF64_ST_BIND(symbol.st_info) == STB_GLOBAL});
    }
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
        return a.first.address != b.first.address ? a.first.address < b.first.address : a.second > b.second;
    });
    for (auto& [symbol, global] : found)
        if (module.symbols_.empty() || module.symbols_.back().address != symbol.address)
            module.symbols_.push_back(std::move(symbol));
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
    std::uint64_t address = bpf_support::virtual_address_of(segments_, file_offset).value_or(file_offset);
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
