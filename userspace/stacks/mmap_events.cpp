#include "stacks/mmap_events.h"

#include <bpf/libbpf.h>
#include <linux/perf_event.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace validprof::stacks {
namespace {

template <typename T>
bool read_at(const unsigned char* data, std::size_t size, std::size_t offset, T& out) {
    if (offset > size || size - offset < sizeof(T)) return false;
    std::memcpy(&out, data + offset, sizeof(T));
    return true;
}

// The sample_id trailer of a non-sample record: pid, tid (TID), time (TIME).
constexpr std::size_t kSampleIdSize = 16;

int open_dummy(int cpu) {
    perf_event_attr attributes{};
    attributes.size = sizeof(attributes);
    attributes.type = PERF_TYPE_SOFTWARE;
    attributes.config = PERF_COUNT_SW_DUMMY;
    attributes.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME;
    attributes.sample_id_all = 1;
    attributes.mmap = 1;  // executable mappings only (no mmap_data)
    attributes.mmap2 = 1;
    attributes.build_id = 1;
    attributes.comm = 1;
    attributes.comm_exec = 1;
    attributes.task = 1;
    attributes.use_clockid = 1;
    attributes.clockid = CLOCK_MONOTONIC;
    attributes.watermark = 1;
    attributes.wakeup_watermark = 1;  // never polled: read when samples arrive
    return static_cast<int>(::syscall(SYS_perf_event_open, &attributes, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC));
}

}  // namespace

void apply_perf_record(const unsigned char* record, std::size_t size, ProcessMappings& mappings,
                       std::vector<std::int32_t>& exited, std::uint64_t& lost) {
    perf_event_header header{};
    if (!read_at(record, size, 0, header) || header.size > size || header.size < sizeof(header) + kSampleIdSize)
        return;
    std::size_t end = header.size;
    std::uint64_t time_ns = 0;
    read_at(record, end, end - 8, time_ns);
    const std::size_t body = sizeof(header);
    switch (header.type) {
        case PERF_RECORD_MMAP2: {
            std::uint32_t pid = 0;
            std::uint64_t address = 0, length = 0, page_offset = 0;
            if (!read_at(record, end, body, pid) || !read_at(record, end, body + 8, address) ||
                !read_at(record, end, body + 16, length) || !read_at(record, end, body + 24, page_offset))
                return;
            Mapping mapping;
            mapping.start = address;
            mapping.end = address + length;
            mapping.file_offset = page_offset;
            mapping.time_ns = time_ns;
            if (header.misc & PERF_RECORD_MISC_MMAP_BUILD_ID) {
                std::uint8_t id_size = 0;
                read_at(record, end, body + 32, id_size);
                if (id_size > 0 && id_size <= 20 && body + 36 + 20 <= end) {
                    BuildId id{};
                    std::memcpy(id.data(), record + body + 36, id_size);
                    mapping.build_id = id;
                }
            }
            // pid tid addr len pgoff (32) + maj/min/ino/gen or build-id (24) + prot flags (8)
            std::size_t name = body + 64;
            if (name < end - kSampleIdSize)
                mapping.path.assign(reinterpret_cast<const char*>(record + name),
                                    strnlen(reinterpret_cast<const char*>(record + name), end - kSampleIdSize - name));
            mappings.add(static_cast<std::int32_t>(pid), std::move(mapping));
            break;
        }
        case PERF_RECORD_COMM: {
            std::uint32_t pid = 0, tid = 0;
            if ((header.misc & PERF_RECORD_MISC_COMM_EXEC) && read_at(record, end, body, pid) &&
                read_at(record, end, body + 4, tid) && pid == tid)
                mappings.exec(static_cast<std::int32_t>(pid), time_ns);
            break;
        }
        case PERF_RECORD_FORK: {
            std::uint32_t pid = 0, parent = 0;
            if (read_at(record, end, body, pid) && read_at(record, end, body + 4, parent) && pid != parent)
                mappings.fork(static_cast<std::int32_t>(parent), static_cast<std::int32_t>(pid), time_ns);
            break;
        }
        case PERF_RECORD_EXIT: {
            std::uint32_t pid = 0, tid = 0;
            if (read_at(record, end, body, pid) && read_at(record, end, body + 8, tid) && pid == tid)
                exited.push_back(static_cast<std::int32_t>(pid));
            break;
        }
        case PERF_RECORD_LOST: {
            std::uint64_t count = 0;
            if (read_at(record, end, body + 8, count)) lost += count;
            break;
        }
        default: break;
    }
}

common::Result<std::unique_ptr<MmapEvents>> MmapEvents::create(std::uint32_t pages_per_cpu) {
    std::unique_ptr<MmapEvents> events(new MmapEvents());
    long page = ::sysconf(_SC_PAGESIZE);
    int cpus = libbpf_num_possible_cpus();
    for (int cpu = 0; cpu < cpus; ++cpu) {
        Ring ring;
        ring.fd = common::UniqueFd(open_dummy(cpu));
        if (!ring.fd.valid()) {
            if (errno == ENODEV || errno == ENOENT) continue;  // offline CPU
            return common::make_error("cannot open the mmap-record event on CPU " + std::to_string(cpu) + ": " +
                                          std::strerror(errno),
                                      errno);
        }
        ring.size = static_cast<std::size_t>(page) * (1 + pages_per_cpu);
        ring.base = ::mmap(nullptr, ring.size, PROT_READ | PROT_WRITE, MAP_SHARED, ring.fd.get(), 0);
        if (ring.base == MAP_FAILED)
            return common::make_error(std::string("cannot map the mmap-record ring: ") + std::strerror(errno), errno);
        events->rings_.push_back(std::move(ring));
    }
    return events;
}

MmapEvents::~MmapEvents() {
    for (Ring& ring : rings_)
        if (ring.base && ring.base != MAP_FAILED) ::munmap(ring.base, ring.size);
}

void MmapEvents::drain(ProcessMappings& mappings, std::vector<std::int32_t>& exited) {
    // Each ring is in time order, the rings together are not: a fork seen
    // on one CPU, the child's exec on another. Gather, sort by time, apply.
    pending_.clear();
    for (Ring& ring : rings_) drain_ring(ring);
    std::stable_sort(pending_.begin(), pending_.end(),
                     [](const Pending& a, const Pending& b) { return a.time_ns < b.time_ns; });
    for (const Pending& record : pending_)
        apply_perf_record(record.bytes.data(), record.bytes.size(), mappings, exited, lost_);
}

void MmapEvents::drain_ring(Ring& ring) {
    auto* meta = static_cast<perf_event_mmap_page*>(ring.base);
    const unsigned char* data = static_cast<const unsigned char*>(ring.base) + meta->data_offset;
    std::uint64_t data_size = meta->data_size;
    std::uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
    std::uint64_t tail = meta->data_tail;
    while (tail < head) {
        perf_event_header header{};
        // The header itself may wrap.
        for (std::size_t i = 0; i < sizeof(header); ++i)
            reinterpret_cast<unsigned char*>(&header)[i] = data[(tail + i) % data_size];
        if (header.size < sizeof(header) || header.size > head - tail) break;
        std::uint64_t start = tail % data_size;
        const unsigned char* record = data + start;
        if (start + header.size > data_size) {  // wraps: reassemble
            record_.resize(header.size);
            std::size_t first = data_size - start;
            std::memcpy(record_.data(), data + start, first);
            std::memcpy(record_.data() + first, data, header.size - first);
            record = record_.data();
        }
        Pending copy;
        copy.bytes.assign(record, record + header.size);
        if (header.size >= sizeof(header) + kSampleIdSize) std::memcpy(&copy.time_ns, record + header.size - 8, 8);
        pending_.push_back(std::move(copy));
        tail += header.size;
    }
    __atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
}

}  // namespace validprof::stacks
