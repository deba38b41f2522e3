#include "stacks/build_id_index.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>

#include "common/unique_fd.h"

namespace validprof::stacks {
namespace {

namespace fs = std::filesystem;

// Where shared objects and programs live on Debian and most distributions.
const char* const kSystemDirectories[] = {
    "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib",
    "/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin", "/usr/libexec",
};

bool looks_like_object(const fs::directory_entry& entry) {
    std::error_code error;
    if (!entry.is_regular_file(error)) return false;
    std::string name = entry.path().filename().string();
    if (name.find(".so") != std::string::npos) return true;
    auto permissions = entry.status(error).permissions();
    return (permissions & fs::perms::owner_exec) != fs::perms::none;
}

}  // namespace

std::string to_hex(const BuildId& id) {
    static const char digits[] = "0123456789abcdef";
    std::string hex;
    for (unsigned char byte : id) {
        hex += digits[byte >> 4];
        hex += digits[byte & 0xf];
    }
    return hex;
}

std::optional<BuildId> read_build_id(const std::string& path) {
    // Not BCC's bcc_elf_get_buildid: it writes the hex of the whole
    // .note.gnu.build-id section into the caller's buffer, whatever its
    // size, so a file with a long build-id (ld --build-id=0x...) smashed
    // the stack of the symbolizer (SIGSEGV; seen while writing
    // tests/fuzz/fuzz_elf_symbols.cpp, regression input
    // tests/fuzz/corpus/elf_symbols/long-build-id.elf).
    common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid() || elf_version(EV_CURRENT) == EV_NONE) return std::nullopt;
    std::unique_ptr<Elf, decltype(&elf_end)> elf(elf_begin(fd.get(), ELF_C_READ, nullptr), &elf_end);
    if (!elf || elf_kind(elf.get()) != ELF_K_ELF) return std::nullopt;
    std::size_t segments = 0;
    if (elf_getphdrnum(elf.get(), &segments) != 0) return std::nullopt;
    for (std::size_t index = 0; index < segments; ++index) {
        GElf_Phdr segment;
        if (!gelf_getphdr(elf.get(), static_cast<int>(index), &segment) || segment.p_type != PT_NOTE) continue;
        // Notes in a segment aligned to 8 (.note.gnu.property) pad to 8.
        Elf_Data* notes = elf_getdata_rawchunk(elf.get(), static_cast<std::int64_t>(segment.p_offset),
                                               segment.p_filesz, segment.p_align == 8 ? ELF_T_NHDR8 : ELF_T_NHDR);
        if (!notes) continue;
        GElf_Nhdr note;
        std::size_t name_at = 0, desc_at = 0;
        for (std::size_t at = 0; (at = gelf_getnote(notes, at, &note, &name_at, &desc_at)) != 0;) {
            if (note.n_type != NT_GNU_BUILD_ID || note.n_namesz != 4 ||
                std::memcmp(static_cast<const char*>(notes->d_buf) + name_at, "GNU", 4) != 0)
                continue;
            if (note.n_descsz == 0 || note.n_descsz > BuildId{}.size()) return std::nullopt;
            BuildId id{};
            std::memcpy(id.data(), static_cast<const char*>(notes->d_buf) + desc_at, note.n_descsz);
            return id;
        }
    }
    return std::nullopt;
}

void BuildIdIndex::add_file(const std::string& path) {
    if (path.empty() || !seen_paths_.insert(path).second) return;
    if (auto id = read_build_id(path)) path_by_id_.emplace(to_hex(*id), path);
}

void BuildIdIndex::add_mapped_file(const std::string& hex_id, const std::string& path) {
    if (!path.empty() && path.front() == '/') mapped_by_id_.emplace(hex_id, path);
}

std::optional<std::string> BuildIdIndex::find(const BuildId& id) {
    std::string hex = to_hex(id);
    if (auto found = path_by_id_.find(hex); found != path_by_id_.end()) return found->second;
    if (auto mapped = mapped_by_id_.find(hex); mapped != mapped_by_id_.end()) {
        std::string path = mapped->second;
        mapped_by_id_.erase(mapped);
        add_file(path);  // its note decides
        if (auto found = path_by_id_.find(hex); found != path_by_id_.end()) return found->second;
    }
    if (!scanned_) {
        scan_system_directories();
        if (auto found = path_by_id_.find(hex); found != path_by_id_.end()) return found->second;
    }
    return std::nullopt;
}

void BuildIdIndex::scan_system_directories() {
    scanned_ = true;
    for (const char* directory : kSystemDirectories) {
        std::error_code error;
        // One level below too: e.g. /usr/lib/x86_64-linux-gnu/<package>/.
        for (fs::recursive_directory_iterator it(directory, fs::directory_options::skip_permission_denied, error), end;
             !error && it != end; it.increment(error)) {
            if (it.depth() > 1) {
                it.disable_recursion_pending();
                continue;
            }
            if (looks_like_object(*it)) add_file(it->path().string());
        }
    }
}

}  // namespace validprof::stacks
