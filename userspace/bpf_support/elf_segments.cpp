#include "bpf_support/elf_segments.h"

#include "bcc/bcc_runtime.h"

namespace validprof::bpf_support {
namespace {

int collect_segment(std::uint64_t virtual_address, std::uint64_t size, std::uint64_t file_offset, void* payload) {
    static_cast<std::vector<LoadSegment>*>(payload)->push_back({virtual_address, size, file_offset});
    return 0;
}

}  // namespace

std::vector<LoadSegment> read_load_segments(const std::string& path) {
    std::vector<LoadSegment> segments;
    bcc::elf_foreach_load_section(path.c_str(), collect_segment, &segments);
    return segments;
}

std::optional<std::uint64_t> file_offset_of(const std::vector<LoadSegment>& segments, std::uint64_t address) {
    for (const LoadSegment& segment : segments)
        if (address >= segment.virtual_address && address < segment.virtual_address + segment.size)
            return address - segment.virtual_address + segment.file_offset;
    return std::nullopt;
}

std::optional<std::uint64_t> virtual_address_of(const std::vector<LoadSegment>& segments, std::uint64_t offset) {
    for (const LoadSegment& segment : segments)
        if (offset >= segment.file_offset && offset < segment.file_offset + segment.size)
            return offset - segment.file_offset + segment.virtual_address;
    return std::nullopt;
}

}  // namespace validprof::bpf_support
