// Names for raw stack frames, after the processes are gone.
//
// - User frames with a build-id: the file is found through BuildIdIndex and
//   resolved with ModuleSymbols (ELF .symtab/.dynsym, separate debug info by
//   build-id or debuglink through BCC's ELF readers; C++ names demangled).
// - User frames with only an address (JIT code, e.g. Node.js run with
//   --perf-basic-prof): /tmp/perf-PID.map, trusted only when the file is
//   owned by the process's own uid (anyone can write /tmp).
// - vDSO frames (the unwinder gives them the vDSO's build-id): the symbols
//   of validprof's own vDSO, the same image the kernel maps into every
//   64-bit process, under module "[vdso]" (__vdso_clock_gettime).
// - Kernel frames: /proc/kallsyms through BCC's kernel symbol cache.
// A frame that cannot be named becomes "module+0xoffset"; none is dropped.
//
// Never an impossible frame: walking a user stack outward from its leaf,
// the first frame that cannot be real ends it, replaced by one
// "[truncated: REASON]" frame at the root (module "[truncated]"):
// - "outside mapping": an address no process can map (the null page, or
//   beyond the user address space: stack bytes read as an address);
// - "past end of file": a file offset beyond the end of its file;
// - "not code": an offset outside the file's executable segments;
// - "not after a call": a caller's return address whose preceding
//   instruction is not a call (a stale stack word);
// - "loop": a frame-pointer walk that came back to the same frame until the
//   depth limit; "depth limit": kMaxUserFrames frames and no root;
// and whatever reason the walk itself gave (RawStack::truncated). Each
// reason's samples are counted (truncations()), for the session notes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>
#include <memory>
#include <string>
#include <vector>

#include "stacks/build_id_index.h"
#include "stacks/elf_image.h"
#include "stacks/module_symbols.h"
#include "stacks/stack_profile.h"

namespace validprof::stacks {

// One JIT map: address ranges of a process's generated code.
class PerfMap {
public:
    // Parses "START SIZE NAME" lines (hex START and SIZE).
    static PerfMap parse(const std::string& text);
    // Loads /tmp/perf-PID.map when it exists and is owned by uid.
    static PerfMap load_trusted(std::int32_t pid, std::uint32_t uid);
    const std::string* find(std::uint64_t address) const;
    bool empty() const { return ranges_.empty(); }

private:
    struct Range {
        std::uint64_t size;
        std::string name;
    };
    std::map<std::uint64_t, Range> ranges_;  // by start address
};

// A process held by validprof's gate (stopped with SIGSTOP at an exec or a
// mapping until inspected, then continued) is off the CPU in the kernel's
// do_signal_stop: time the observer added, not the hook's. Its off-CPU
// stack ends with one "[validprof gate]" frame instead (module
// "[validprof]"); true when the stack was such a stop.
bool mark_gate_stop(SymbolizedStack& stack);

// The session-notes counter of a truncation reason:
// "not after a call" → "note_stack_truncated_not_after_a_call".
std::string truncation_note(const std::string& reason);

class Symbolizer {
public:
    Symbolizer();
    ~Symbolizer();
    Symbolizer(const Symbolizer&) = delete;
    Symbolizer& operator=(const Symbolizer&) = delete;

    // Files the session saw exec'd: their build-ids are learnt up front.
    void add_known_file(const std::string& path);
    // A file the processes mapped (dlopen'ed addons too), as the kernel's
    // mmap records named it with its build-id (hex).
    void add_mapped_file(const std::string& hex_id, const std::string& path) { index_.add_mapped_file(hex_id, path); }

    // Root-first frames for one raw stack; CPU weight is count × period.
    SymbolizedStack symbolize(const RawStack& raw, std::uint64_t sample_period_ns);

    // Samples whose user stack was cut, by reason.
    const std::map<std::string, std::uint64_t>& truncations() const { return truncations_; }

    // The frames of a raw user stack (leaf first) that can be real, and why
    // the rest were cut (empty: none was).
    struct CheckedFrames {
        std::size_t kept = 0;
        std::string truncated;
    };
    CheckedFrames check_user_frames(const RawStack& raw);

private:
    std::shared_ptr<const ElfImage> image(const std::string& path);
    Frame user_frame(const UserFrame& frame, const RawStack& raw);
    Frame name_frame(const UserFrame& frame);  // a build-id frame, uncached
    Frame kernel_frame(std::uint64_t address);
    const PerfMap& perf_map(std::int32_t pid, std::uint32_t uid);

    BuildIdIndex index_;
    std::map<std::string, ModuleSymbols> modules_;  // by path
    std::shared_ptr<const ElfImage> vdso_;           // null: none
    std::optional<BuildId> vdso_id_;
    std::optional<ModuleSymbols> vdso_symbols_;      // read at its first frame
    void* kernel_cache_ = nullptr;    // bcc_symcache for pid -1
    std::map<std::int32_t, PerfMap> perf_maps_;
    std::map<std::string, std::shared_ptr<const ElfImage>> images_;  // by path; null: unreadable
    // Per (build-id, offset): what the file says of it, and its frame.
    // Sessions repeat their call sites, so most frames are looked up once.
    struct FrameFacts {
        std::string reason;         // "past end of file", "not code", or empty
        bool follows_call = true;   // as a return address
        std::optional<Frame> frame;  // filled on first symbolization
    };
    struct FrameKey {
        BuildId build_id;
        std::uint64_t offset;
        bool operator==(const FrameKey&) const = default;
    };
    struct FrameKeyHash {
        std::size_t operator()(const FrameKey& key) const;
    };
    FrameFacts& facts(const UserFrame& frame);
    std::unordered_map<FrameKey, FrameFacts, FrameKeyHash> facts_;
    std::map<std::string, std::uint64_t> truncations_;
};

}  // namespace validprof::stacks
