// An ELF file's executable load segments, to translate between the
// virtual addresses its symbol table and notes use and the file offsets
// that uprobes and build-id stacks use. The two differ wherever a
// segment's p_vaddr is not its p_offset (Node.js's binary, for one).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace validprof::bpf_support {

struct LoadSegment {
    std::uint64_t virtual_address = 0;
    std::uint64_t size = 0;
    std::uint64_t file_offset = 0;
};

// Empty when the file is not a readable ELF file.
std::vector<LoadSegment> read_load_segments(const std::string& path);

std::optional<std::uint64_t> file_offset_of(const std::vector<LoadSegment>& segments, std::uint64_t address);
std::optional<std::uint64_t> virtual_address_of(const std::vector<LoadSegment>& segments, std::uint64_t offset);

}  // namespace validprof::bpf_support
