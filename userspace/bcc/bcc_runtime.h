// BCC's ELF and symbol functions, loaded on first use.
//
// libbcc links LLVM and clang; merely linking it made every validprof
// process 60 MB larger (docs/performance.md), although only --stacks,
// --usdt and --sql read ELF files. So libbcc.so.0 is opened with dlopen()
// the first time one of these functions is called; a plain attach/record
// never loads it.
#pragma once

#include <bcc/bcc_elf.h>
#include <bcc/bcc_syms.h>

#include <cstdint>
#include <string>

namespace validprof::bcc {

// Whether libbcc could be loaded; message() says why not.
bool available();
const std::string& message();

// Same contracts as the bcc_* functions of the same names; when libbcc is
// missing they fail (-1, nullptr) and do nothing. elf_foreach_sym first
// checks the file for what would crash BCC (bcc_runtime.cpp: ElfHazards)
// and fails, or skips separate debug info, instead; elf_foreach_usdt fails
// on a file with a malformed USDT note. (No bcc_elf_get_buildid:
// it writes an unbounded build-id into its caller's buffer; see
// stacks/build_id_index.h: read_build_id.)
int elf_foreach_sym(const char* path, bcc_elf_symcb callback, void* option, void* payload);
int elf_foreach_usdt(const char* path, bcc_elf_probecb callback, void* payload);
int elf_foreach_load_section(const char* path, bcc_elf_load_sectioncb callback, void* payload);
void* symcache_new(int pid, bcc_symbol_option* option);
void free_symcache(void* cache, int pid);
int symcache_resolve_no_demangle(void* cache, std::uint64_t address, bcc_symbol* symbol);

}  // namespace validprof::bcc
