#include "stacks/elf_image.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/unique_fd.h"

namespace validprof::stacks {
namespace {

template <typename T>
bool read_at(const unsigned char* data, std::size_t size, std::uint64_t offset, T& out) {
    if (offset > size || size - offset < sizeof(T)) return false;
    std::memcpy(&out, data + offset, sizeof(T));
    return true;
}

// Length of a `call r/m64` (FF /2) instruction from its ModRM byte and,
// when there is one, its SIB byte; 0 when it is not that instruction.
int indirect_call_length(unsigned char modrm, std::optional<unsigned char> sib) {
    if (((modrm >> 3) & 7) != 2) return 0;
    int mod = modrm >> 6, rm = modrm & 7;
    if (mod == 3) return 2;
    int length = 2;
    if (rm == 4) {
        if (!sib) return 0;
        length += 1;
        if (mod == 0 && (*sib & 7) == 5) length += 4;  // [index*scale + disp32]
    } else if (mod == 0 && rm == 5) {
        length += 4;  // [rip + disp32]
    }
    if (mod == 1) length += 1;
    if (mod == 2) length += 4;
    return length;
}

}  // namespace

std::shared_ptr<const ElfImage> ElfImage::open(const std::string& path) {
    common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return nullptr;
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode) || info.st_size < static_cast<off_t>(sizeof(Elf64_Ehdr)))
        return nullptr;
    void* mapped = ::mmap(nullptr, static_cast<std::size_t>(info.st_size), PROT_READ, MAP_PRIVATE, fd.get(), 0);
    if (mapped == MAP_FAILED) return nullptr;
    std::shared_ptr<ElfImage> image(new ElfImage());
    image->data_ = static_cast<const unsigned char*>(mapped);
    image->size_ = static_cast<std::size_t>(info.st_size);
    image->owned_ = true;
    if (!image->parse()) return nullptr;
    return image;
}

std::shared_ptr<const ElfImage> ElfImage::from_memory(const unsigned char* data, std::size_t size) {
    std::shared_ptr<ElfImage> image(new ElfImage());
    image->data_ = data;
    image->size_ = size;
    if (!image->parse()) return nullptr;
    return image;
}

ElfImage::~ElfImage() {
    if (owned_ && data_) ::munmap(const_cast<unsigned char*>(data_), size_);
}

bool ElfImage::parse() {
    Elf64_Ehdr header{};
    if (!read_at(data_, size_, 0, header)) return false;
    if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 || header.e_ident[EI_CLASS] != ELFCLASS64 ||
        header.e_ident[EI_DATA] != ELFDATA2LSB)
        return false;
    for (std::uint32_t i = 0; i < header.e_phnum; ++i) {
        Elf64_Phdr program{};
        if (header.e_phentsize < sizeof(Elf64_Phdr) ||
            !read_at(data_, size_, header.e_phoff + std::uint64_t{i} * header.e_phentsize, program))
            break;
        if (program.p_type == PT_LOAD) {
            segments_.push_back({program.p_vaddr, program.p_memsz, program.p_offset, program.p_filesz,
                                 (program.p_flags & PF_X) != 0});
        } else if (program.p_type == PT_NOTE && !build_id_) {
            // Notes: namesz, descsz, type, name (4-aligned), desc (4-aligned).
            std::uint64_t at = program.p_offset, end = program.p_offset + program.p_filesz;
            while (at + 12 <= end && end <= size_) {
                Elf64_Nhdr note{};
                if (!read_at(data_, size_, at, note)) break;
                std::uint64_t name_at = at + 12;
                std::uint64_t desc_at = name_at + ((note.n_namesz + 3ull) & ~3ull);
                std::uint64_t next = desc_at + ((note.n_descsz + 3ull) & ~3ull);
                if (next > end) break;
                if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 &&
                    std::memcmp(data_ + name_at, "GNU", 4) == 0 && note.n_descsz >= 1) {
                    BuildId id{};
                    std::memcpy(id.data(), data_ + desc_at, std::min<std::size_t>(note.n_descsz, id.size()));
                    build_id_ = id;
                    break;
                }
                at = next;
            }
        }
    }
    // Section names, for .eh_frame (absent from stripped-of-sections files,
    // in which case the unwinder finds .eh_frame through PT_GNU_EH_FRAME).
    Elf64_Shdr names{};
    if (header.e_shentsize >= sizeof(Elf64_Shdr) && header.e_shstrndx < header.e_shnum &&
        read_at(data_, size_, header.e_shoff + std::uint64_t{header.e_shstrndx} * header.e_shentsize, names) &&
        names.sh_offset <= size_ && names.sh_size <= size_ - names.sh_offset) {
        for (std::uint32_t i = 0; i < header.e_shnum; ++i) {
            Elf64_Shdr section{};
            if (!read_at(data_, size_, header.e_shoff + std::uint64_t{i} * header.e_shentsize, section)) break;
            if (section.sh_name >= names.sh_size) continue;
            const char* name = reinterpret_cast<const char*>(data_ + names.sh_offset + section.sh_name);
            std::size_t length = strnlen(name, names.sh_size - section.sh_name);
            std::uint64_t file_size = section.sh_type == SHT_NOBITS ? 0 : section.sh_size;
            if (section.sh_offset > size_ || file_size > size_ - section.sh_offset) continue;
            sections_.push_back({std::string(name, length), {section.sh_addr, section.sh_offset, file_size}});
        }
    }
    return true;
}

std::optional<ElfImage::Section> ElfImage::section(const std::string& name) const {
    for (const auto& [section_name, section] : sections_)
        if (section_name == name) return section;
    return std::nullopt;
}

bool ElfImage::is_code(std::uint64_t file_offset) const {
    if (file_offset >= size_) return false;
    for (const Segment& segment : segments_)
        if (segment.executable && file_offset >= segment.file_offset &&
            file_offset < segment.file_offset + segment.file_size)
            return true;
    return false;
}

std::optional<std::uint64_t> ElfImage::virtual_address_of(std::uint64_t file_offset) const {
    for (const Segment& segment : segments_)
        if (file_offset >= segment.file_offset && file_offset < segment.file_offset + segment.file_size)
            return file_offset - segment.file_offset + segment.virtual_address;
    return std::nullopt;
}

bool ElfImage::follows_call(std::uint64_t file_offset) const {
    if (file_offset > size_ || file_offset < 2) return false;
    auto byte = [&](std::uint64_t back) -> std::optional<unsigned char> {
        if (back > file_offset) return std::nullopt;
        return data_[file_offset - back];
    };
    if (byte(5) == 0xe8) return true;  // call rel32
    // call r/m64: FF, ModRM [, SIB] [, disp8/disp32], 2 to 7 bytes long.
    for (std::uint64_t length = 2; length <= 7; ++length) {
        if (byte(length) != 0xff) continue;
        auto modrm = byte(length - 1);
        std::optional<unsigned char> sib = length >= 3 ? byte(length - 2) : std::nullopt;
        if (modrm && static_cast<std::uint64_t>(indirect_call_length(*modrm, sib)) == length) return true;
    }
    return false;
}

std::shared_ptr<const ElfImage> own_vdso() {
    auto base = ::getauxval(AT_SYSINFO_EHDR);
    if (!base) return nullptr;
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line)) {
        if (line.find("[vdso]") == std::string::npos) continue;
        unsigned long start = 0, end = 0;
        if (std::sscanf(line.c_str(), "%lx-%lx", &start, &end) == 2 && start == base)
            return ElfImage::from_memory(reinterpret_cast<const unsigned char*>(start), end - start);
    }
    return nullptr;
}

}  // namespace validprof::stacks
