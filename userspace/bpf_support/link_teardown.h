// Detaching many uprobe links at once.
//
// Each uprobe perf event's release waits for an RCU grace period (~0.1 s
// here); releasing dozens one after another makes a session's end take
// seconds. Released from several threads at once the waits overlap.
#pragma once

#include <memory>
#include <vector>

struct bpf_link;

namespace validprof::bpf_support {

struct BpfLinkDeleter {
    void operator()(bpf_link* link) const;
};
using BpfLinkPtr = std::unique_ptr<bpf_link, BpfLinkDeleter>;

// Destroys every link (the vector is left empty), concurrently.
void destroy_links_concurrently(std::vector<BpfLinkPtr>& links);

}  // namespace validprof::bpf_support
