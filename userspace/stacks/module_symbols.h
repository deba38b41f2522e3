// The function symbols of one ELF file, looked up by file offset.
//
// The kernel records user frames as (build-id, file offset). Symbols are
// virtual addresses, and the two differ wherever a loadable segment's
// p_vaddr is not its p_offset (Node.js's binary, for one), so the offset is
// translated through the file's own program headers first. Symbols come
// from .symtab/.dynsym and, through BCC, from separate debug files found by
// build-id or .gnu_debuglink.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "stacks/elf_image.h"
#include "bpf_support/elf_segments.h"

namespace validprof::stacks {

class ModuleSymbols {
public:
    // Empty (every lookup fails) when the file cannot be read.
    static ModuleSymbols load(const std::string& path);

    using Segment = bpf_support::LoadSegment;
    struct Symbol {
        std::uint64_t address;
        std::uint64_t size;
        std::string name;  // mangled, as stored
    };
    // The function symbols of an image in memory (the vDSO, which has no
    // file): its .symtab, or else its .dynsym. Of several names at one
    // address, a global one wins over weak aliases (the vDSO's
    // __vdso_clock_gettime over clock_gettime).
    static ModuleSymbols from_image(const ElfImage& image);
    // For tests: a table from parts.
    static ModuleSymbols from_parts(std::vector<Segment> segments, std::vector<Symbol> symbols);

    // Demangled name of the function containing the byte at file_offset.
    std::optional<std::string> resolve(std::uint64_t file_offset) const;
    bool empty() const { return symbols_.empty(); }

private:
    void index();

    std::vector<Segment> segments_;
    std::vector<Symbol> symbols_;  // sorted by address
};

// C++ (Itanium ABI) names demangled; others unchanged.
std::string demangle(const std::string& name);

}  // namespace validprof::stacks
