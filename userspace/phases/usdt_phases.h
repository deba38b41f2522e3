// Phases declared by an executable's USDT notes: every probe pair
// provider:NAME_start (or NAME_begin) and provider:NAME_end. Probes that are
// not part of a pair (points such as rollout_decision) are not phases.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace validprof::phases {

struct UsdtPhase {
    std::string provider;
    std::string name;        // the pair's NAME
    std::string start_probe; // NAME_start or NAME_begin
    std::string end_probe;   // NAME_end
    bool operator==(const UsdtPhase&) const = default;
};

struct UsdtProbeName {
    std::string provider;
    std::string name;
};

// One probe site: where in the file a USDT probe's nop is.
struct UsdtSite {
    std::string provider;
    std::string name;
    std::uint64_t file_offset = 0;
    std::uint64_t semaphore_offset = 0;  // file offset of the probe's semaphore; 0: it has none
};

// Every site of every USDT probe in the file (a probe in an inlined
// function has several). Empty for files without notes.
std::vector<UsdtSite> read_usdt_sites(const std::string& path);

// Pairs probe names into phases, in the order the start probes appear.
std::vector<UsdtPhase> pair_phases(const std::vector<UsdtProbeName>& probes);

// The distinct USDT probes in an ELF file's .note.stapsdt; none for files
// without notes (or that are not ELF).
std::vector<UsdtProbeName> read_usdt_probes(const std::string& path);

}  // namespace validprof::phases
