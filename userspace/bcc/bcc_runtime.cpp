#include "bcc/bcc_runtime.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>

#include <cstring>
#include <memory>
#include <mutex>

#include "common/unique_fd.h"

namespace validprof::bcc {
namespace {

struct Library {
    void* handle = nullptr;
    std::string message;
    decltype(&::bcc_elf_foreach_sym) foreach_sym = nullptr;
    decltype(&::bcc_elf_foreach_usdt) foreach_usdt = nullptr;
    decltype(&::bcc_elf_foreach_load_section) foreach_load_section = nullptr;
    decltype(&::bcc_symcache_new) symcache_new = nullptr;
    decltype(&::bcc_free_symcache) free_symcache = nullptr;
    decltype(&::bcc_symcache_resolve_no_demangle) resolve_no_demangle = nullptr;
};

template <typename Function>
bool resolve(Library& library, Function& function, const char* name) {
    function = reinterpret_cast<Function>(::dlsym(library.handle, name));
    if (!function) library.message = std::string("libbcc has no ") + name;
    return function != nullptr;
}

// Loaded once, on first use; never unloaded (its symbol caches may live
// until exit).
const Library& library() {
    static Library loaded;
    static std::once_flag once;
    std::call_once(once, [] {
        for (const char* name : {"libbcc.so.0", "libbcc.so"}) {
            loaded.handle = ::dlopen(name, RTLD_NOW | RTLD_LOCAL);
            if (loaded.handle) break;
        }
        if (!loaded.handle) {
            const char* error = ::dlerror();
            loaded.message = std::string("cannot load BCC's library (Debian package libbpfcc): ") + (error ? error : "");
            return;
        }
        bool ok = resolve(loaded, loaded.foreach_sym, "bcc_elf_foreach_sym") &&
                  resolve(loaded, loaded.foreach_usdt, "bcc_elf_foreach_usdt") &&
                  resolve(loaded, loaded.foreach_load_section, "bcc_elf_foreach_load_section") &&
                  resolve(loaded, loaded.symcache_new, "bcc_symcache_new") &&
                  resolve(loaded, loaded.free_symcache, "bcc_free_symcache") &&
                  resolve(loaded, loaded.resolve_no_demangle, "bcc_symcache_resolve_no_demangle");
        if (!ok) {
            ::dlclose(loaded.handle);
            loaded.handle = nullptr;
        }
    });
    return loaded;
}

// What BCC's ELF readers would trip over in a file, found with libelf
// before the file is handed to them: BCC trusts every field of the files
// the observed processes run, and these crashed validprof (found by
// tests/fuzz; regression inputs in tests/fuzz/corpus/elf_symbols/ and
// usdt_notes/).
struct ElfHazards {
    // A symbol table with sh_entsize 0: BCC divides its size by it
    // (SIGFPE in list_in_scn).
    bool symbol_table_without_entry_size = false;
    // Looking for separate debug info, BCC writes the hex of the whole
    // .note.gnu.build-id section, less its 16-byte header, into a
    // 128-byte buffer on its stack: more than 63 bytes of build-id
    // (ld --build-id=0x<long>) overflow it.
    bool long_build_id_section = false;
    // A stapsdt note whose description is shorter than its three addresses
    // or whose provider, name and arguments are not NUL-terminated inside
    // it: BCC reads past the note (strlen, heap overflow) in
    // bcc_elf_foreach_usdt.
    bool malformed_usdt_note = false;
};

// Every stapsdt note of a .note.stapsdt section holds three addresses and
// three NUL-terminated strings inside its description.
bool usdt_notes_well_formed(Elf* elf, Elf_Scn* section) {
    constexpr std::uint32_t kStapsdtNote = 3;  // NT_STAPSDT
    const std::size_t addresses = gelf_getclass(elf) == ELFCLASS32 ? 3 * 4 : 3 * 8;
    for (Elf_Data* data = nullptr; (data = elf_getdata(section, data)) != nullptr;) {
        GElf_Nhdr note;
        std::size_t name_at = 0, desc_at = 0;
        for (std::size_t at = 0; (at = gelf_getnote(data, at, &note, &name_at, &desc_at)) != 0;) {
            const char* bytes = static_cast<const char*>(data->d_buf);
            if (note.n_type != kStapsdtNote || note.n_namesz != 8 || std::memcmp(bytes + name_at, "stapsdt", 8) != 0)
                continue;
            if (note.n_descsz < addresses) return false;
            std::size_t strings = 0;
            for (std::size_t i = addresses; i < note.n_descsz && strings < 3; ++i)
                if (bytes[desc_at + i] == '\0') ++strings;
            if (strings < 3) return false;
        }
    }
    return true;
}

ElfHazards inspect(const char* path) {
    constexpr std::size_t kMaxBuildIdSectionBytes = 16 + 63;
    ElfHazards hazards;
    common::UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
    if (!fd.valid() || elf_version(EV_CURRENT) == EV_NONE) return hazards;  // BCC cannot open it either
    std::unique_ptr<Elf, decltype(&elf_end)> elf(elf_begin(fd.get(), ELF_C_READ, nullptr), &elf_end);
    if (!elf || elf_kind(elf.get()) != ELF_K_ELF) return hazards;
    std::size_t names = 0;
    bool have_names = elf_getshdrstrndx(elf.get(), &names) == 0;
    bool build_id_seen = false;
    for (Elf_Scn* section = nullptr; (section = elf_nextscn(elf.get(), section)) != nullptr;) {
        GElf_Shdr header;
        if (!gelf_getshdr(section, &header)) continue;
        if ((header.sh_type == SHT_SYMTAB || header.sh_type == SHT_DYNSYM) && header.sh_entsize == 0)
            hazards.symbol_table_without_entry_size = true;
        const char* name = have_names ? elf_strptr(elf.get(), names, header.sh_name) : nullptr;
        // BCC reads the first section of that name.
        if (!build_id_seen && name && std::strcmp(name, ".note.gnu.build-id") == 0) {
            build_id_seen = true;
            Elf_Data* data = elf_getdata(section, nullptr);
            hazards.long_build_id_section = data && data->d_size > kMaxBuildIdSectionBytes;
        }
        if (header.sh_type == SHT_NOTE && name && std::strcmp(name, ".note.stapsdt") == 0 &&
            !usdt_notes_well_formed(elf.get(), section))
            hazards.malformed_usdt_note = true;
    }
    return hazards;
}

}  // namespace

bool available() { return library().handle != nullptr; }
const std::string& message() { return library().message; }

int elf_foreach_sym(const char* path, bcc_elf_symcb callback, void* option, void* payload) {
    if (!available()) return -1;
    ElfHazards hazards = inspect(path);
    if (hazards.symbol_table_without_entry_size) return -1;
    bcc_symbol_option safe = *static_cast<bcc_symbol_option*>(option);
    // Such a file keeps its own symbols, without separate debug info.
    if (hazards.long_build_id_section) safe.use_debug_file = 0;
    return library().foreach_sym(path, callback, &safe, payload);
}

int elf_foreach_usdt(const char* path, bcc_elf_probecb callback, void* payload) {
    if (!available() || inspect(path).malformed_usdt_note) return -1;
    return library().foreach_usdt(path, callback, payload);
}

int elf_foreach_load_section(const char* path, bcc_elf_load_sectioncb callback, void* payload) {
    return available() ? library().foreach_load_section(path, callback, payload) : -1;
}

void* symcache_new(int pid, bcc_symbol_option* option) {
    return available() ? library().symcache_new(pid, option) : nullptr;
}

void free_symcache(void* cache, int pid) {
    if (available() && cache) library().free_symcache(cache, pid);
}

int symcache_resolve_no_demangle(void* cache, std::uint64_t address, bcc_symbol* symbol) {
    return available() && cache ? library().resolve_no_demangle(cache, address, symbol) : -1;
}

}  // namespace validprof::bcc
