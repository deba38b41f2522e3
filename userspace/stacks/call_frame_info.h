// Call-frame information (.eh_frame) of one x86-64 ELF object: for an
// address in its code, how to find the caller's frame.
//
// Compilers emit .eh_frame for every function (C++ exceptions need it, and
// Debian builds C with -fasynchronous-unwind-tables), including code built
// without frame pointers: it is what lets a profiler unwind libc, shells
// and python3. Only what an unwinder of return addresses needs is kept:
// the canonical frame address (CFA: the caller's stack pointer) as a
// register plus offset, where the return address is saved, and where the
// caller's rbp is saved (so a caller that does use rbp as its frame base
// can be unwound). The .plt entries' CFA expression is recognised; other
// expressions make the rule unusable, which the unwinder reports.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace validprof::stacks {

struct FrameRule {
    // kRbpDereference: CFA = *(rbp + cfa_offset), the rule GCC gives a
    // function that realigns its stack (the old CFA saved below rbp).
    // kPltExpression: CFA = rsp + 8, + 8 once (rip & 15) >= cfa_offset.
    enum class Cfa { kRsp, kRbp, kRbpDereference, kPltExpression, kUnsupported };
    Cfa cfa = Cfa::kRsp;
    std::int64_t cfa_offset = 8;  // CFA = register + cfa_offset
    bool outermost = false;       // return address undefined: the thread's first frame
    bool return_address_known = true;
    std::int64_t return_address_offset = -8;  // saved at CFA + offset
    enum class Saved { kSameValue, kAtOffset, kUnknown };
    Saved rbp = Saved::kSameValue;
    std::int64_t rbp_offset = 0;  // saved at CFA + offset (kAtOffset)
    bool signal_frame = false;    // the CIE's 'S' augmentation (__restore_rt)
};

class CallFrameInfo {
public:
    // `section` is .eh_frame's bytes; `section_address` the virtual
    // address it is loaded at (pc-relative pointers are relative to it).
    static CallFrameInfo parse(std::span<const unsigned char> section, std::uint64_t section_address);

    // The rule in force at `address` (a virtual address of the object);
    // nullopt when no FDE covers it.
    std::optional<FrameRule> find(std::uint64_t address) const;
    std::size_t functions() const { return fdes_.size(); }

private:
    struct Cie {
        std::uint64_t code_alignment = 1;
        std::int64_t data_alignment = -8;
        std::uint64_t return_address_column = 16;
        std::uint8_t pointer_encoding = 0;
        bool signal_frame = false;
        bool augmented = false;  // 'z': FDEs carry an augmentation length
        std::size_t instructions = 0;  // offset in the section
        std::size_t instructions_end = 0;
    };
    struct Fde {
        std::uint64_t start = 0;
        std::uint64_t end = 0;
        std::uint32_t cie = 0;  // index into cies_
        std::size_t instructions = 0;
        std::size_t instructions_end = 0;
    };

    std::span<const unsigned char> section_;
    std::vector<Cie> cies_;
    std::vector<Fde> fdes_;  // sorted by start
};

}  // namespace validprof::stacks
