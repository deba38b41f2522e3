#include "stacks/cfi_unwinder.h"

#include <cstring>

namespace validprof::stacks {
namespace {

// As in the symbolizer: nothing is mapped below 64 KiB or above 2^56.
constexpr std::uint64_t kLowestUserAddress = 0x10000;
constexpr std::uint64_t kUserAddressLimit = 1ull << 56;

class StackReader {
public:
    StackReader(std::uint64_t base, std::span<const unsigned char> bytes) : base_(base), bytes_(bytes) {}
    std::optional<std::uint64_t> word(std::uint64_t address) const {
        if (address < base_ || address - base_ > bytes_.size() || bytes_.size() - (address - base_) < 8)
            return std::nullopt;
        std::uint64_t value = 0;
        std::memcpy(&value, bytes_.data() + (address - base_), sizeof(value));
        return value;
    }

private:
    std::uint64_t base_;
    std::span<const unsigned char> bytes_;
};

UserFrame frame_of(std::uint64_t address, const MappedCode& code) {
    UserFrame frame;
    if (code.build_id) {
        frame.has_build_id = true;
        frame.build_id = *code.build_id;
        frame.offset_or_ip = code.file_offset;
    } else {
        frame.offset_or_ip = address;  // JIT code: named from the perf map by address
    }
    return frame;
}

}  // namespace

std::shared_ptr<const UnwindModule> UnwindModules::load(std::shared_ptr<const ElfImage> image) {
    auto module = std::make_shared<UnwindModule>();
    module->image = std::move(image);
    if (module->image) {
        if (auto section = module->image->section(".eh_frame"); section && section->size > 0)
            module->cfi = CallFrameInfo::parse(module->image->bytes().subspan(section->file_offset, section->size),
                                               section->virtual_address);
    }
    return module;
}

std::shared_ptr<const UnwindModule> UnwindModules::get(const std::string& path) {
    auto found = modules_.find(path);
    if (found == modules_.end()) found = modules_.emplace(path, load(ElfImage::open(path))).first;
    return found->second;
}

void UnwindModules::add(const std::string& name, std::shared_ptr<const ElfImage> image) {
    modules_[name] = load(std::move(image));
}

UnwoundStack unwind_user_stack(const UserRegisters& registers, std::span<const unsigned char> stack,
                               const AddressLookup& lookup, std::size_t max_frames) {
    UnwoundStack unwound;
    if (stack.empty()) {
        // Not a byte of it could be read (an exec tearing the old address
        // space down, a stack page swapped out): the leaf alone.
        if (auto code = lookup(registers.ip)) unwound.frames.push_back(frame_of(registers.ip, *code));
        unwound.truncated = "stack unreadable";
        return unwound;
    }
    StackReader memory(registers.sp, stack);
    std::uint64_t ip = registers.ip, sp = registers.sp;
    std::optional<std::uint64_t> bp = registers.bp;
    bool caller = false;  // frames past the leaf hold return addresses: look up ip - 1
    while (true) {
        if (unwound.frames.size() >= max_frames) {
            unwound.truncated = "depth limit";
            break;
        }
        if (ip < kLowestUserAddress || ip >= kUserAddressLimit) {
            unwound.truncated = "outside mapping";
            break;
        }
        std::optional<MappedCode> code = lookup(ip);
        if (!code) {
            unwound.truncated = "outside mapping";
            break;
        }
        unwound.frames.push_back(frame_of(ip, *code));

        // The rule for this frame, from its object's CFI.
        std::optional<FrameRule> rule;
        if (code->module && code->module->cfi) {
            std::uint64_t offset = caller && code->file_offset > 0 ? code->file_offset - 1 : code->file_offset;
            if (auto address = code->module->image->virtual_address_of(offset)) rule = code->module->cfi->find(*address);
        }
        std::uint64_t cfa = 0;
        std::optional<std::uint64_t> return_address, next_bp;
        if (rule) {
            if (rule->outermost) break;  // _start, clone3: the root
            if (!rule->return_address_known || rule->cfa == FrameRule::Cfa::kUnsupported) {
                unwound.truncated = "no unwind info";
                break;
            }
            switch (rule->cfa) {
                case FrameRule::Cfa::kRsp: cfa = sp + static_cast<std::uint64_t>(rule->cfa_offset); break;
                case FrameRule::Cfa::kRbp:
                    if (!bp) {
                        unwound.truncated = "no unwind info";
                        return unwound;
                    }
                    cfa = *bp + static_cast<std::uint64_t>(rule->cfa_offset);
                    break;
                case FrameRule::Cfa::kRbpDereference: {
                    auto value = bp ? memory.word(*bp + static_cast<std::uint64_t>(rule->cfa_offset)) : std::nullopt;
                    if (!value) {
                        unwound.truncated = bp ? "stack copy ended" : "no unwind info";
                        return unwound;
                    }
                    cfa = *value;
                    break;
                }
                case FrameRule::Cfa::kPltExpression:
                    cfa = sp + 8 + ((ip & 15) >= static_cast<std::uint64_t>(rule->cfa_offset) ? 8 : 0);
                    break;
                case FrameRule::Cfa::kUnsupported: break;
            }
            return_address = memory.word(cfa + static_cast<std::uint64_t>(rule->return_address_offset));
            if (rule->rbp == FrameRule::Saved::kSameValue) next_bp = bp;
            else if (rule->rbp == FrameRule::Saved::kAtOffset)
                next_bp = memory.word(cfa + static_cast<std::uint64_t>(rule->rbp_offset));
            ++unwound.cfi_steps;
        } else {
            // No CFI here: the frame-pointer rule, if rbp points into the
            // copied stack above sp.
            if (!bp) {
                unwound.truncated = "no unwind info";
                break;
            }
            if (*bp == 0 && caller) break;  // rbp 0: the ABI's mark of the outermost frame (_start)
            if (*bp < sp) {
                // A frame pointer below the stack pointer: a chain that turned back.
                unwound.truncated = caller ? "loop" : "no unwind info";
                break;
            }
            if (!memory.word(*bp + 8)) {
                unwound.truncated = "stack copy ended";
                break;
            }
            cfa = *bp + 16;
            return_address = memory.word(*bp + 8);
            next_bp = memory.word(*bp);
            ++unwound.fp_steps;
        }
        if (!return_address) {
            unwound.truncated = "stack copy ended";
            break;
        }
        if (*return_address == 0) break;  // the end of the chain, as thread starts leave it
        if (cfa <= sp) {
            unwound.truncated = "loop";  // the caller's frame must be above this one
            break;
        }
        ip = *return_address;
        sp = cfa;
        bp = next_bp;
        caller = true;
    }
    return unwound;
}

}  // namespace validprof::stacks
