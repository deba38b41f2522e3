// Unwinds a copied user stack from call-frame information, in userspace.
//
// At each sample the kernel side copies the thread's user registers (ip,
// sp, bp) and the top of its user stack (bpf/stack_samples.bpf.c); this
// walks it, frame by frame, with each object's .eh_frame rules
// (call_frame_info.h) — the approach of `perf record --call-graph dwarf`,
// which works for code built without frame pointers (Debian's libc, shells,
// python3). Where an address has no CFI (JIT code, objects without
// .eh_frame) it falls back to the frame-pointer rule, which such code keeps.
//
// Frames come out as (build-id, file offset), the form the kernel's own
// frame-pointer stacks use, so the symbolizer treats both alike and needs
// only the files afterwards. The walk stops, with a reason, rather than
// produce a frame it cannot vouch for: an address outside every mapping,
// a CFA that does not grow (a loop), a read past the copied stack.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "stacks/call_frame_info.h"
#include "stacks/elf_image.h"
#include "stacks/stack_profile.h"

namespace validprof::stacks {

// An object's image with its parsed CFI (which points into the image).
struct UnwindModule {
    std::shared_ptr<const ElfImage> image;
    std::optional<CallFrameInfo> cfi;  // none: no .eh_frame
};

// Opens each object once, by path; keeps unreadable ones as null.
class UnwindModules {
public:
    std::shared_ptr<const UnwindModule> get(const std::string& path);
    // An image already in memory (the vDSO), under a name like "[vdso]".
    void add(const std::string& name, std::shared_ptr<const ElfImage> image);

private:
    static std::shared_ptr<const UnwindModule> load(std::shared_ptr<const ElfImage> image);
    std::map<std::string, std::shared_ptr<const UnwindModule>> modules_;
};

// What an address of the sampled process was, at the time of the sample.
struct MappedCode {
    std::shared_ptr<const UnwindModule> module;  // null: anonymous (JIT) or unreadable file
    std::optional<BuildId> build_id;
    std::uint64_t file_offset = 0;
};
using AddressLookup = std::function<std::optional<MappedCode>(std::uint64_t address)>;

struct UserRegisters {
    std::uint64_t ip = 0;
    std::uint64_t sp = 0;
    std::uint64_t bp = 0;
};

struct UnwoundStack {
    std::vector<UserFrame> frames;  // leaf first
    std::string truncated;          // why it ended before the root; empty when it reached it
    std::uint32_t cfi_steps = 0;    // frames unwound by CFI
    std::uint32_t fp_steps = 0;     // frames unwound by frame pointer (no CFI there)
};

// `stack` is the copy of [sp, sp + stack.size()) taken with the registers.
UnwoundStack unwind_user_stack(const UserRegisters& registers, std::span<const unsigned char> stack,
                               const AddressLookup& lookup, std::size_t max_frames = kMaxUserFrames);

}  // namespace validprof::stacks
