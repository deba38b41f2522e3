#include "bcc/bcc_runtime.h"

#include <dlfcn.h>

#include <mutex>

namespace validprof::bcc {
namespace {

struct Library {
    void* handle = nullptr;
    std::string message;
    decltype(&::bcc_elf_foreach_sym) foreach_sym = nullptr;
    decltype(&::bcc_elf_foreach_usdt) foreach_usdt = nullptr;
    decltype(&::bcc_elf_foreach_load_section) foreach_load_section = nullptr;
    decltype(&::bcc_elf_get_buildid) get_buildid = nullptr;
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
                  resolve(loaded, loaded.get_buildid, "bcc_elf_get_buildid") &&
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

}  // namespace

bool available() { return library().handle != nullptr; }
const std::string& message() { return library().message; }

int elf_foreach_sym(const char* path, bcc_elf_symcb callback, void* option, void* payload) {
    return available() ? library().foreach_sym(path, callback, option, payload) : -1;
}

int elf_foreach_usdt(const char* path, bcc_elf_probecb callback, void* payload) {
    return available() ? library().foreach_usdt(path, callback, payload) : -1;
}

int elf_foreach_load_section(const char* path, bcc_elf_load_sectioncb callback, void* payload) {
    return available() ? library().foreach_load_section(path, callback, payload) : -1;
}

int elf_get_buildid(const char* path, char* buildid) {
    return available() ? library().get_buildid(path, buildid) : -1;
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
