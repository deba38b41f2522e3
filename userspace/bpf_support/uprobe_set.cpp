#include "bpf_support/uprobe_set.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdio>

#include "bpf_support/kernel_features.h"
#include "bpf_support/libbpf_error.h"
#include "bpf_support/uprobe_multi.h"

namespace validprof::bpf_support {
namespace {

std::string site_label(const UprobeSite& site) {
    if (!site.name.empty()) return site.name;
    char offset[32];
    std::snprintf(offset, sizeof(offset), "offset 0x%llx", static_cast<unsigned long long>(site.file_offset));
    return offset;
}

}  // namespace

UprobeMode preferred_uprobe_mode() {
    return kernel_features().uprobe_multi ? UprobeMode::multi : UprobeMode::per_site;
}

const char* uprobe_mode_name(UprobeMode mode) { return mode == UprobeMode::multi ? "uprobe.multi" : "per site"; }

UprobeSet::UprobeSet(UprobeMode mode) : mode_(mode) {}

UprobeSet::~UprobeSet() { clear(); }

void UprobeSet::clear() {
    multi_links_.clear();
    destroy_links_concurrently(site_links_);
}

void UprobeSet::prepare(bpf_program* program) const {
    if (mode_ == UprobeMode::multi)
        bpf_program__set_expected_attach_type(program, static_cast<bpf_attach_type>(kAttachTypeUprobeMulti));
}

common::Result<void> UprobeSet::attach(bpf_program* program, const std::string& path,
                                       const std::vector<UprobeSite>& sites, bool return_probe) {
    if (sites.empty()) return common::success();
    return mode_ == UprobeMode::multi ? attach_multi(program, path, sites, return_probe)
                                      : attach_per_site(program, path, sites, return_probe);
}

common::Result<void> UprobeSet::attach_multi(bpf_program* program, const std::string& path,
                                             const std::vector<UprobeSite>& sites, bool return_probe) {
    UprobeMultiTarget target;
    target.program_fd = bpf_program__fd(program);
    target.path = path;
    target.return_probe = return_probe;
    bool semaphores = false;
    for (const UprobeSite& site : sites) {
        target.offsets.push_back(site.file_offset);
        target.cookies.push_back(site.cookie);
        target.ref_ctr_offsets.push_back(site.ref_ctr_offset);
        semaphores = semaphores || site.ref_ctr_offset != 0;
    }
    if (!semaphores) target.ref_ctr_offsets.clear();
    auto link = attach_uprobe_multi(target);
    if (!link) return link.error();
    multi_links_.push_back(std::move(*link));
    return common::success();
}

common::Result<void> UprobeSet::attach_per_site(bpf_program* program, const std::string& path,
                                                const std::vector<UprobeSite>& sites, bool return_probe) {
    std::vector<BpfLinkPtr> attached;
    attached.reserve(sites.size());
    for (const UprobeSite& site : sites) {
        LIBBPF_OPTS(bpf_uprobe_opts, options, .ref_ctr_offset = static_cast<std::size_t>(site.ref_ctr_offset),
                    .bpf_cookie = site.cookie, .retprobe = return_probe);
        bpf_link* link = bpf_program__attach_uprobe_opts(program, -1, path.c_str(), site.file_offset, &options);
        if (!link) {
            int error = errno;
            destroy_links_concurrently(attached);
            return libbpf_error("cannot attach to " + site_label(site) + " in " + path, error);
        }
        attached.emplace_back(link);
    }
    for (BpfLinkPtr& link : attached) site_links_.push_back(std::move(link));
    return common::success();
}

}  // namespace validprof::bpf_support
