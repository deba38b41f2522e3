// The uprobes of one BPF object, attached the way this kernel allows and
// released together.
//
// uprobe.multi (Linux 6.6) places a program on every site of a file with
// one link, released with one RCU grace period. Without it (or with
// VALIDPROF_NO_UPROBE_MULTI=1) each site gets its own perf-event uprobe,
// whose release waits for a grace period of its own (~0.1 s here); those
// are released from several threads at once, so the waits overlap. Either
// way the program sees the same thing at a site: the registers there and
// the site's cookie through bpf_get_attach_cookie(). So one SEC("uprobe")
// program serves both, and a tracer writes the choice nowhere but here.
//
// One set per BPF object rather than per file: all its per-site links then
// go in one concurrent release when the object's owner is destroyed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bpf_support/link_teardown.h"
#include "common/result.h"
#include "common/unique_fd.h"

struct bpf_program;

namespace validprof::bpf_support {

enum class UprobeMode {
    multi,     // one BPF_TRACE_UPROBE_MULTI link per file and program
    per_site,  // one perf-event uprobe link per site
};

// uprobe.multi where kernel_features() found it, per site otherwise.
UprobeMode preferred_uprobe_mode();

const char* uprobe_mode_name(UprobeMode mode);

struct UprobeSite {
    std::uint64_t file_offset = 0;  // where in the file, not a virtual address
    std::uint64_t cookie = 0;       // what bpf_get_attach_cookie() returns at this site
    std::string name;               // names the site in error messages; may be empty
    // A USDT semaphore's file offset, 0 for none: the kernel counts it up
    // in every process while the probe is attached, which is what turns a
    // semaphore-guarded probe on.
    std::uint64_t ref_ctr_offset = 0;
};

class UprobeSet {
public:
    explicit UprobeSet(UprobeMode mode);
    ~UprobeSet();
    UprobeSet(UprobeSet&&) = default;
    UprobeSet(const UprobeSet&) = delete;
    UprobeSet& operator=(const UprobeSet&) = delete;

    UprobeMode mode() const { return mode_; }

    // Before its BPF object is loaded: a program attached through
    // uprobe.multi must be loaded for that attach type (and then cannot be
    // attached per site). Nothing to do per site.
    void prepare(bpf_program* program) const;

    // Places the loaded program at every site of the file: on entry, or
    // where the function returns when return_probe is set. All or nothing:
    // on failure what this call attached is released again. No sites, no
    // links.
    common::Result<void> attach(bpf_program* program, const std::string& path, const std::vector<UprobeSite>& sites,
                                bool return_probe);

    // Kernel links held: one per attach() call in multi mode, one per site
    // otherwise.
    std::size_t link_count() const { return multi_links_.size() + site_links_.size(); }

    // Detaches everything now (the destructor does the same).
    void clear();

private:
    common::Result<void> attach_multi(bpf_program* program, const std::string& path,
                                      const std::vector<UprobeSite>& sites, bool return_probe);
    common::Result<void> attach_per_site(bpf_program* program, const std::string& path,
                                         const std::vector<UprobeSite>& sites, bool return_probe);

    UprobeMode mode_;
    std::vector<common::UniqueFd> multi_links_;
    std::vector<BpfLinkPtr> site_links_;
};

}  // namespace validprof::bpf_support
