// An ELF file mapped read-only, with just what stack walking needs: its
// load segments (to tell code from data and translate file offsets to the
// virtual addresses its tables use), its sections by name (.eh_frame), its
// build-id, and its bytes (to check that a return address follows a call).
//
// Parsed by hand from <elf.h> structures rather than through BCC: the
// unwinder opens every object a sampled process mapped, and needs the raw
// bytes anyway. Every offset read from the file is bounds-checked: the
// files are whatever a hook ran.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "stacks/build_id_index.h"

namespace validprof::stacks {

class ElfImage {
public:
    // nullptr when the file cannot be read or is not a 64-bit ELF file.
    static std::shared_ptr<const ElfImage> open(const std::string& path);
    // An image already in memory that outlives this object (the vDSO).
    static std::shared_ptr<const ElfImage> from_memory(const unsigned char* data, std::size_t size);
    ~ElfImage();
    ElfImage(const ElfImage&) = delete;
    ElfImage& operator=(const ElfImage&) = delete;

    struct Segment {
        std::uint64_t virtual_address = 0;
        std::uint64_t memory_size = 0;
        std::uint64_t file_offset = 0;
        std::uint64_t file_size = 0;
        bool executable = false;
    };
    struct Section {
        std::uint64_t virtual_address = 0;
        std::uint64_t file_offset = 0;
        std::uint64_t size = 0;
    };

    std::uint64_t file_size() const { return size_; }
    std::span<const unsigned char> bytes() const { return {data_, size_}; }
    const std::vector<Segment>& segments() const { return segments_; }
    std::optional<Section> section(const std::string& name) const;
    std::optional<BuildId> build_id() const { return build_id_; }

    // Whether the byte at this file offset lies in an executable segment.
    bool is_code(std::uint64_t file_offset) const;
    // The virtual address (as the ELF tables use them) of a file offset
    // inside a loadable segment.
    std::optional<std::uint64_t> virtual_address_of(std::uint64_t file_offset) const;
    // Whether the instruction ending just before this file offset is a call
    // (x86-64: call rel32, or call r/m64 in any addressing form): true of
    // every genuine return address, rarely of a stack word read as one.
    bool follows_call(std::uint64_t file_offset) const;

private:
    ElfImage() = default;
    bool parse();

    const unsigned char* data_ = nullptr;
    std::size_t size_ = 0;
    bool owned_ = false;  // munmap on destruction
    std::vector<Segment> segments_;
    std::vector<std::pair<std::string, Section>> sections_;
    std::optional<BuildId> build_id_;
};

// This process's vDSO, the image the kernel maps into every 64-bit process
// it runs (the same bytes, so the same build-id): its CFI unwinds their
// vDSO frames and its symbols name them. Null when there is none.
std::shared_ptr<const ElfImage> own_vdso();

}  // namespace validprof::stacks
