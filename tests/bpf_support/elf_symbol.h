// Where a symbol of an ELF file lies in the file, read with libelf: the
// tests' own answer, independent of BCC's readers that validprof uses.
#pragma once

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <string>

namespace validprof::testing {

struct ElfSymbol {
    std::uint64_t address = 0;      // st_value: the link-time virtual address
    std::uint64_t file_offset = 0;  // where those bytes are in the file
};

// From .symtab; nullopt when the file or the symbol is missing.
inline std::optional<ElfSymbol> find_elf_symbol(const std::string& path, const std::string& name) {
    if (elf_version(EV_CURRENT) == EV_NONE) return std::nullopt;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    std::optional<ElfSymbol> found;
    Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
    for (Elf_Scn* section = elf ? elf_nextscn(elf, nullptr) : nullptr; section && !found;
         section = elf_nextscn(elf, section)) {
        GElf_Shdr header;
        if (!gelf_getshdr(section, &header) || header.sh_type != SHT_SYMTAB || header.sh_entsize == 0) continue;
        Elf_Data* data = elf_getdata(section, nullptr);
        for (std::size_t i = 0; data && i < header.sh_size / header.sh_entsize; ++i) {
            GElf_Sym symbol;
            if (!gelf_getsym(data, static_cast<int>(i), &symbol) || symbol.st_shndx == SHN_UNDEF ||
                symbol.st_shndx >= SHN_LORESERVE)
                continue;
            const char* symbol_name = elf_strptr(elf, header.sh_link, symbol.st_name);
            if (!symbol_name || name != symbol_name) continue;
            GElf_Shdr home;
            if (!gelf_getshdr(elf_getscn(elf, symbol.st_shndx), &home)) break;
            // The section's address and offset move together.
            found = ElfSymbol{symbol.st_value, symbol.st_value - home.sh_addr + home.sh_offset};
            break;
        }
    }
    if (elf) elf_end(elf);
    ::close(fd);
    return found;
}

}  // namespace validprof::testing
