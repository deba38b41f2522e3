// Names for raw stack frames, after the processes are gone.
//
// - User frames with a build-id: the file is found through BuildIdIndex and
//   resolved with ModuleSymbols (ELF .symtab/.dynsym, separate debug info by
//   build-id or debuglink through BCC's ELF readers; C++ names demangled).
// - User frames with only an address (JIT code, e.g. Node.js run with
//   --perf-basic-prof): /tmp/perf-PID.map, trusted only when the file is
//   owned by the process's own uid (anyone can write /tmp).
// - Kernel frames: /proc/kallsyms through BCC's kernel symbol cache.
// A frame that cannot be named becomes "module+0xoffset"; none is dropped.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "stacks/build_id_index.h"
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

class Symbolizer {
public:
    Symbolizer();
    ~Symbolizer();
    Symbolizer(const Symbolizer&) = delete;
    Symbolizer& operator=(const Symbolizer&) = delete;

    // Files the session saw exec'd: their build-ids are learnt up front.
    void add_known_file(const std::string& path);

    // Root-first frames for one raw stack; CPU weight is count × period.
    SymbolizedStack symbolize(const RawStack& raw, std::uint64_t sample_period_ns);

private:
    Frame user_frame(const UserFrame& frame, const RawStack& raw);
    Frame kernel_frame(std::uint64_t address);
    const PerfMap& perf_map(std::int32_t pid, std::uint32_t uid);

    BuildIdIndex index_;
    std::map<std::string, ModuleSymbols> modules_;  // by path
    void* kernel_cache_ = nullptr;    // bcc_symcache for pid -1
    std::map<std::int32_t, PerfMap> perf_maps_;
};

}  // namespace validprof::stacks
