// Source files and line numbers of code, from DWARF, for the pprof export
// (`go tool pprof -list FUNCTION`).
//
// Frames are stored as (build-id, file offset), so lines are looked up by
// build-id after the session, when the file may be gone or replaced: the
// DWARF comes from the separate debug file /usr/lib/debug/.build-id/xx/
// rest.debug when one is installed (libc6-dbg's, -dbgsym packages), else
// from the object itself if it was built with -g, found through
// BuildIdIndex and checked against its build-id note.
//
// Read with elfutils' libdw rather than a .debug_line parser of our own:
// Debian's debug files have compressed sections (SHF_COMPRESSED) and some
// share DWARF through dwz's .gnu_debugaltlink files, GCC 12 writes DWARF 5,
// and a function's start line and inline chains live in .debug_info, not
// the line table — libdw reads all of these, and is what elfutils' own
// eu-addr2line and perf use.
//
// Inline chains: an address inside code that was inlined gets one entry per
// function, innermost first (pprof's convention for a Location's lines):
// the inlined function at the address's own line, then each caller at the
// line of its call site, up to the function the symbol table names.
//
// Bounded work: objects are opened once per build-id, a compilation unit's
// function tree is indexed once when an address first falls in it, and
// each (build-id, offset) is answered once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "stacks/build_id_index.h"

namespace validprof::stacks {

// One function of an address's inline chain.
struct SourceLine {
    // The inlined function's name from DWARF (demangled); empty for the
    // outermost function, whose name the symbolizer gave the frame.
    std::string function;
    std::string file;               // the function's source file, absolute when the compiler recorded its directory
    std::int64_t function_line = 0;  // where the function is declared (DW_AT_decl_line); 0: unknown
    // The innermost function's line at the address; each outer function's
    // line of the call that was inlined. 0: unknown.
    std::int64_t line = 0;
};

// "93ac61ec…" (40 hex digits, as the session stores it) → the 20 bytes; empty if malformed.
std::optional<BuildId> build_id_from_hex(const std::string& hex);

class SourceLines {
public:
    // debug_root: where separate debug files are looked up by build-id
    // (tests point it elsewhere).
    explicit SourceLines(std::string debug_root = "/usr/lib/debug");
    ~SourceLines();
    SourceLines(const SourceLines&) = delete;
    SourceLines& operator=(const SourceLines&) = delete;

    // A file that had this build-id during the session (a stored frame's
    // path); its own note decides whether it still has.
    void add_mapped_file(const std::string& hex_id, const std::string& path);

    // The inline chain at a file offset of the object with this build-id,
    // innermost first; empty when its DWARF cannot be found or says
    // nothing of the address. A return address (a caller's frame) points
    // after its call: its line is that of the byte before, the call.
    std::vector<SourceLine> lookup(const std::string& hex_id, std::uint64_t file_offset, bool return_address);

    // Objects whose DWARF was read, for tests and the benchmark.
    std::size_t objects_with_lines() const;

    struct Object;  // one build-id's DWARF and indexes (source_lines.cpp)

private:
    Object* object(const std::string& hex_id);

    std::string debug_root_;
    BuildIdIndex index_;
    std::unordered_map<std::string, std::unique_ptr<Object>> objects_;  // by hex build-id
    struct Key {
        std::string id;
        std::uint64_t offset;
        bool return_address;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        std::size_t operator()(const Key& key) const;
    };
    std::unordered_map<Key, std::vector<SourceLine>, KeyHash> answers_;
};

}  // namespace validprof::stacks
