#include "bpf_support/link_teardown.h"

#include <bpf/libbpf.h>

#include <algorithm>
#include <atomic>
#include <thread>

namespace validprof::bpf_support {

void BpfLinkDeleter::operator()(bpf_link* link) const { bpf_link__destroy(link); }

void destroy_links_concurrently(std::vector<BpfLinkPtr>& links) {
    constexpr std::size_t kMaxThreads = 32;
    std::size_t thread_count = std::min(kMaxThreads, links.size());
    if (thread_count <= 1) {
        links.clear();
        return;
    }
    std::atomic<std::size_t> next{0};
    std::vector<std::thread> threads;
    threads.reserve(thread_count);
    for (std::size_t i = 0; i < thread_count; ++i)
        threads.emplace_back([&] {
            for (std::size_t index = next++; index < links.size(); index = next++) links[index].reset();
        });
    for (std::thread& thread : threads) thread.join();
    links.clear();
}

}  // namespace validprof::bpf_support
