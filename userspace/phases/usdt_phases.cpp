#include "phases/usdt_phases.h"

#include "bcc/bcc_runtime.h"

#include <set>

#include "bpf_support/elf_segments.h"
#include <utility>

namespace validprof::phases {
namespace {

bool strip_suffix(const std::string& name, const std::string& suffix, std::string& stem) {
    if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
        return false;
    stem = name.substr(0, name.size() - suffix.size());
    return true;
}

void collect_probe(const char*, const bcc_elf_usdt* probe, void* payload) {
    auto& probes = *static_cast<std::vector<UsdtProbeName>*>(payload);
    if (probe && probe->provider && probe->name) probes.push_back({probe->provider, probe->name});
}

}  // namespace

namespace {

struct NotedSite {
    UsdtProbeName probe;
    std::uint64_t address = 0;           // the nop's link-time address
    std::uint64_t semaphore_offset = 0;  // already a file offset (BCC computes it)
};

void collect_site(const char*, const bcc_elf_usdt* probe, void* payload) {
    if (probe && probe->provider && probe->name)
        static_cast<std::vector<NotedSite>*>(payload)->push_back(
            {{probe->provider, probe->name}, probe->pc, probe->semaphore ? probe->semaphore_offset : 0});
}

}  // namespace

std::vector<UsdtSite> read_usdt_sites(const std::string& path) {
    std::vector<bpf_support::LoadSegment> segments = bpf_support::read_load_segments(path);
    std::vector<NotedSite> noted;
    bcc::elf_foreach_usdt(path.c_str(), collect_site, &noted);
    std::vector<UsdtSite> sites;
    for (const NotedSite& site : noted) {
        // A uprobe is placed by file offset; the note holds a link-time
        // address inside an executable segment.
        if (auto offset = bpf_support::file_offset_of(segments, site.address))
            sites.push_back({site.probe.provider, site.probe.name, *offset, site.semaphore_offset});
    }
    return sites;
}

std::vector<UsdtPhase> pair_phases(const std::vector<UsdtProbeName>& probes) {
    std::set<std::pair<std::string, std::string>> names;
    for (const UsdtProbeName& probe : probes) names.insert({probe.provider, probe.name});
    std::vector<UsdtPhase> phases;
    std::set<std::pair<std::string, std::string>> paired;
    for (const UsdtProbeName& probe : probes) {
        std::string stem;
        if (!strip_suffix(probe.name, "_start", stem) && !strip_suffix(probe.name, "_begin", stem)) continue;
        if (!names.count({probe.provider, stem + "_end"})) continue;
        if (!paired.insert({probe.provider, stem}).second) continue;
        phases.push_back({probe.provider, stem, probe.name, stem + "_end"});
    }
    return phases;
}

std::vector<UsdtProbeName> read_usdt_probes(const std::string& path) {
    std::vector<UsdtProbeName> probes;
    bcc::elf_foreach_usdt(path.c_str(), collect_probe, &probes);
    return probes;
}

}  // namespace validprof::phases
