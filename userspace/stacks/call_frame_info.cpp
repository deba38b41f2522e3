#include "stacks/call_frame_info.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <string_view>

namespace validprof::stacks {
namespace {

// DWARF register numbers on x86-64.
constexpr std::uint64_t kRbp = 6;
constexpr std::uint64_t kRsp = 7;

// Pointer encodings (DW_EH_PE_*).
constexpr std::uint8_t kOmit = 0xff;
constexpr std::uint8_t kPcRelative = 0x10;

// A bounds-checked reader over the section; any read past `end` fails the
// whole entry (ok() false) instead of reading garbage.
class Reader {
public:
    Reader(std::span<const unsigned char> bytes, std::size_t at, std::size_t end)
        : bytes_(bytes), at_(at), end_(std::min(end, bytes.size())) {}

    bool ok() const { return ok_; }
    std::size_t at() const { return at_; }
    bool done() const { return !ok_ || at_ >= end_; }
    void seek(std::size_t at) {
        if (at > end_) ok_ = false;
        else at_ = at;
    }

    template <typename T>
    T fixed() {
        T value{};
        if (!ok_ || end_ - at_ < sizeof(T)) {
            ok_ = false;
            return value;
        }
        std::memcpy(&value, bytes_.data() + at_, sizeof(T));
        at_ += sizeof(T);
        return value;
    }
    std::uint64_t uleb() {
        std::uint64_t value = 0;
        for (int shift = 0; ok_; shift += 7) {
            if (at_ >= end_) {
                ok_ = false;
                break;
            }
            unsigned char byte = bytes_[at_++];
            if (shift < 64) value |= std::uint64_t{byte & 0x7fu} << shift;
            if (!(byte & 0x80)) break;
        }
        return value;
    }
    std::int64_t sleb() {
        std::int64_t value = 0;
        int shift = 0;
        unsigned char byte = 0;
        do {
            if (at_ >= end_) {
                ok_ = false;
                return 0;
            }
            byte = bytes_[at_++];
            if (shift < 64) value |= static_cast<std::int64_t>(std::uint64_t{byte & 0x7fu} << shift);
            shift += 7;
        } while (byte & 0x80);
        if (shift < 64 && (byte & 0x40)) value |= -(std::int64_t{1} << shift);
        return value;
    }
    std::string_view string() {
        std::size_t start = at_;
        while (at_ < end_ && bytes_[at_] != 0) ++at_;
        if (at_ >= end_) {
            ok_ = false;
            return {};
        }
        return {reinterpret_cast<const char*>(bytes_.data() + start), at_++ - start};
    }
    std::span<const unsigned char> block(std::uint64_t length) {
        if (!ok_ || length > end_ - at_) {
            ok_ = false;
            return {};
        }
        auto block = bytes_.subspan(at_, length);
        at_ += length;
        return block;
    }
    // A pointer in the given encoding; `section_address` makes pc-relative
    // values absolute. nullopt for encodings not used in .eh_frame.
    std::optional<std::uint64_t> pointer(std::uint8_t encoding, std::uint64_t section_address) {
        if (encoding == kOmit) return std::nullopt;
        std::uint64_t field = section_address + at_;
        std::uint64_t value = 0;
        switch (encoding & 0x0f) {
            case 0x00: value = fixed<std::uint64_t>(); break;  // absptr
            case 0x01: value = uleb(); break;
            case 0x02: value = fixed<std::uint16_t>(); break;
            case 0x03: value = fixed<std::uint32_t>(); break;
            case 0x04: value = fixed<std::uint64_t>(); break;
            case 0x09: value = static_cast<std::uint64_t>(sleb()); break;
            case 0x0a: value = static_cast<std::uint64_t>(std::int64_t{fixed<std::int16_t>()}); break;
            case 0x0b: value = static_cast<std::uint64_t>(std::int64_t{fixed<std::int32_t>()}); break;
            case 0x0c: value = fixed<std::uint64_t>(); break;
            default: ok_ = false; return std::nullopt;
        }
        switch (encoding & 0x70) {
            case 0x00: break;
            case kPcRelative: value += field; break;
            default: ok_ = false; return std::nullopt;  // datarel, textrel, funcrel: not in .eh_frame FDEs
        }
        return value;
    }

private:
    std::span<const unsigned char> bytes_;
    std::size_t at_;
    std::size_t end_;
    bool ok_ = true;
};

// The expression GCC and binutils emit for .plt entries: CFA = rsp + 8,
// plus 8 once the entry has pushed its argument (rip & 15 >= N).
std::optional<std::int64_t> plt_threshold(std::span<const unsigned char> expression) {
    static const unsigned char kPrefix[] = {0x77, 0x08, 0x80, 0x00, 0x3f, 0x1a};
    static const unsigned char kSuffix[] = {0x2a, 0x33, 0x24, 0x22};
    if (expression.size() != sizeof(kPrefix) + 1 + sizeof(kSuffix)) return std::nullopt;
    if (std::memcmp(expression.data(), kPrefix, sizeof(kPrefix)) != 0) return std::nullopt;
    unsigned char literal = expression[sizeof(kPrefix)];
    if (literal < 0x30 || literal > 0x4f) return std::nullopt;  // DW_OP_lit0..lit31
    if (std::memcmp(expression.data() + sizeof(kPrefix) + 1, kSuffix, sizeof(kSuffix)) != 0) return std::nullopt;
    return literal - 0x30;
}

// DW_OP_breg6 (rbp) N; DW_OP_deref: the CFA saved at rbp + N.
std::optional<std::int64_t> rbp_dereference(std::span<const unsigned char> expression) {
    if (expression.size() < 3 || expression.front() != 0x76 || expression.back() != 0x06) return std::nullopt;
    std::int64_t value = 0;
    int shift = 0;
    std::size_t i = 1;
    unsigned char byte = 0;
    do {
        if (i >= expression.size() - 1) return std::nullopt;
        byte = expression[i++];
        value |= static_cast<std::int64_t>(std::uint64_t{byte & 0x7fu} << shift);
        shift += 7;
    } while ((byte & 0x80) && shift < 64);
    if (i != expression.size() - 1) return std::nullopt;
    if (shift < 64 && (byte & 0x40)) value |= -(std::int64_t{1} << shift);
    return value;
}

struct RegisterRule {
    enum class Kind { kSame, kUndefined, kOffset, kOther };
    Kind kind = Kind::kSame;
    std::int64_t offset = 0;
};

struct State {
    std::uint64_t cfa_register = kRsp;
    std::int64_t cfa_offset = 8;
    bool cfa_expression = false;
    std::optional<std::int64_t> plt;  // cfa is the PLT expression with this threshold
    std::optional<std::int64_t> rbp_deref;  // cfa = *(rbp + this)
    RegisterRule rbp;
    RegisterRule return_address;
};

}  // namespace

CallFrameInfo CallFrameInfo::parse(std::span<const unsigned char> section, std::uint64_t section_address) {
    CallFrameInfo info;
    info.section_ = section;
    std::map<std::size_t, std::uint32_t> cie_by_offset;

    auto parse_cie = [&](std::size_t offset) -> std::optional<std::uint32_t> {
        if (auto known = cie_by_offset.find(offset); known != cie_by_offset.end()) return known->second;
        Reader reader(section, offset, section.size());
        std::uint64_t length = reader.fixed<std::uint32_t>();
        if (length == 0xffffffff) length = reader.fixed<std::uint64_t>();
        std::size_t end = reader.at() + length;
        if (!reader.ok() || length == 0 || end > section.size()) return std::nullopt;
        Reader entry(section, reader.at(), end);
        if (entry.fixed<std::uint32_t>() != 0) return std::nullopt;  // not a CIE
        Cie cie;
        std::uint8_t version = entry.fixed<std::uint8_t>();
        std::string_view augmentation = entry.string();
        if (augmentation.find("eh") != std::string_view::npos) entry.fixed<std::uint64_t>();  // old GCC eh_ptr
        if (version >= 4) {
            entry.fixed<std::uint8_t>();  // address size
            entry.fixed<std::uint8_t>();  // segment selector size
        }
        cie.code_alignment = entry.uleb();
        cie.data_alignment = entry.sleb();
        cie.return_address_column = version == 1 ? entry.fixed<std::uint8_t>() : entry.uleb();
        if (!augmentation.empty() && augmentation.front() == 'z') {
            cie.augmented = true;
            std::uint64_t augmentation_length = entry.uleb();
            std::size_t augmentation_end = entry.at() + augmentation_length;
            for (char c : augmentation.substr(1)) {
                if (c == 'R') cie.pointer_encoding = entry.fixed<std::uint8_t>();
                else if (c == 'L') entry.fixed<std::uint8_t>();
                else if (c == 'P') {
                    std::uint8_t encoding = entry.fixed<std::uint8_t>();
                    entry.pointer(encoding & 0x7f, section_address);  // indirect bit aside
                } else if (c == 'S') cie.signal_frame = true;
                else if (c == 'B') continue;
                else break;  // unknown: the length lets us skip the rest
            }
            entry.seek(augmentation_end);
        }
        if (!entry.ok()) return std::nullopt;
        cie.instructions = entry.at();
        cie.instructions_end = end;
        auto index = static_cast<std::uint32_t>(info.cies_.size());
        info.cies_.push_back(cie);
        cie_by_offset.emplace(offset, index);
        return index;
    };

    std::size_t at = 0;
    while (at + 4 <= section.size()) {
        Reader reader(section, at, section.size());
        std::uint64_t length = reader.fixed<std::uint32_t>();
        if (length == 0) break;  // terminator
        if (length == 0xffffffff) length = reader.fixed<std::uint64_t>();
        std::size_t body = reader.at();
        if (!reader.ok() || length > section.size() - body) break;
        std::size_t end = body + length;
        Reader entry(section, body, end);
        std::uint32_t id = entry.fixed<std::uint32_t>();
        if (id != 0 && id <= body) {  // an FDE; its CIE is `id` bytes before this field
            auto cie_index = parse_cie(body - id);
            if (cie_index) {
                const Cie& cie = info.cies_[*cie_index];
                auto start = entry.pointer(cie.pointer_encoding, section_address);
                auto range = entry.pointer(cie.pointer_encoding & 0x0f, section_address);
                if (entry.ok() && start && range && *range > 0) {
                    if (cie.augmented) entry.seek(entry.at() + entry.uleb());
                    if (entry.ok()) info.fdes_.push_back({*start, *start + *range, *cie_index, entry.at(), end});
                }
            }
        }
        at = end;
    }
    std::sort(info.fdes_.begin(), info.fdes_.end(), [](const Fde& a, const Fde& b) { return a.start < b.start; });
    return info;
}

std::optional<FrameRule> CallFrameInfo::find(std::uint64_t address) const {
    auto after = std::upper_bound(fdes_.begin(), fdes_.end(), address,
                                  [](std::uint64_t value, const Fde& fde) { return value < fde.start; });
    if (after == fdes_.begin()) return std::nullopt;
    const Fde& fde = *(after - 1);
    if (address >= fde.end) return std::nullopt;
    const Cie& cie = cies_[fde.cie];

    State state;
    State initial;
    std::vector<State> remembered;
    std::uint64_t location = fde.start;
    bool past = false;  // the next advance moves beyond `address`

    auto rule_for = [&](State& s, std::uint64_t reg) -> RegisterRule* {
        if (reg == kRbp) return &s.rbp;
        if (reg == cie.return_address_column) return &s.return_address;
        return nullptr;
    };
    auto run = [&](std::size_t from, std::size_t to, bool in_cie) -> bool {
        Reader reader(section_, from, to);
        while (!reader.done() && !past) {
            std::uint8_t op = reader.fixed<std::uint8_t>();
            std::uint8_t high = op & 0xc0, low = op & 0x3f;
            auto advance = [&](std::uint64_t delta) {
                if (location + delta * cie.code_alignment > address) past = true;
                else location += delta * cie.code_alignment;
            };
            auto set_offset = [&](std::uint64_t reg, std::int64_t offset) {
                if (RegisterRule* rule = rule_for(state, reg)) *rule = {RegisterRule::Kind::kOffset, offset};
            };
            auto set_kind = [&](std::uint64_t reg, RegisterRule::Kind kind) {
                if (RegisterRule* rule = rule_for(state, reg)) *rule = {kind, 0};
            };
            auto restore = [&](std::uint64_t reg) {
                if (RegisterRule* rule = rule_for(state, reg))
                    *rule = *rule_for(in_cie ? state : initial, reg);
            };
            if (high == 0x40) { advance(low); continue; }
            if (high == 0x80) { set_offset(low, static_cast<std::int64_t>(reader.uleb()) * cie.data_alignment); continue; }
            if (high == 0xc0) { restore(low); continue; }
            switch (op) {
                case 0x00: break;  // nop
                case 0x01: {       // set_loc
                    auto target = reader.pointer(cie.pointer_encoding, 0);
                    if (target && *target > address) past = true;
                    else if (target) location = *target;
                    break;
                }
                case 0x02: advance(reader.fixed<std::uint8_t>()); break;
                case 0x03: advance(reader.fixed<std::uint16_t>()); break;
                case 0x04: advance(reader.fixed<std::uint32_t>()); break;
                case 0x05: { std::uint64_t reg = reader.uleb(); set_offset(reg, static_cast<std::int64_t>(reader.uleb()) * cie.data_alignment); break; }
                case 0x06: restore(reader.uleb()); break;
                case 0x07: set_kind(reader.uleb(), RegisterRule::Kind::kUndefined); break;
                case 0x08: set_kind(reader.uleb(), RegisterRule::Kind::kSame); break;
                case 0x09: { std::uint64_t reg = reader.uleb(); reader.uleb(); set_kind(reg, RegisterRule::Kind::kOther); break; }
                case 0x0a: remembered.push_back(state); break;
                case 0x0b:
                    if (!remembered.empty()) {
                        // The CFA is restored too (DWARF 5 says so; GCC relies on it).
                        state = remembered.back();
                        remembered.pop_back();
                    }
                    break;
                case 0x0c: state.cfa_register = reader.uleb(); state.cfa_offset = static_cast<std::int64_t>(reader.uleb()); state.cfa_expression = false; state.plt.reset(); state.rbp_deref.reset(); break;
                case 0x0d: state.cfa_register = reader.uleb(); state.cfa_expression = false; state.plt.reset(); state.rbp_deref.reset(); break;
                case 0x0e: state.cfa_offset = static_cast<std::int64_t>(reader.uleb()); break;
                case 0x0f: {
                    auto expression = reader.block(reader.uleb());
                    state.cfa_expression = true;
                    state.plt = plt_threshold(expression);
                    state.rbp_deref = rbp_dereference(expression);
                    break;
                }
                case 0x10: { std::uint64_t reg = reader.uleb(); reader.block(reader.uleb()); set_kind(reg, RegisterRule::Kind::kOther); break; }
                case 0x11: { std::uint64_t reg = reader.uleb(); set_offset(reg, reader.sleb() * cie.data_alignment); break; }
                case 0x12: state.cfa_register = reader.uleb(); state.cfa_offset = reader.sleb() * cie.data_alignment; state.cfa_expression = false; state.plt.reset(); state.rbp_deref.reset(); break;
                case 0x13: state.cfa_offset = reader.sleb() * cie.data_alignment; break;
                case 0x14: { std::uint64_t reg = reader.uleb(); reader.uleb(); set_kind(reg, RegisterRule::Kind::kOther); break; }
                case 0x15: { std::uint64_t reg = reader.uleb(); reader.sleb(); set_kind(reg, RegisterRule::Kind::kOther); break; }
                case 0x16: { std::uint64_t reg = reader.uleb(); reader.block(reader.uleb()); set_kind(reg, RegisterRule::Kind::kOther); break; }
                case 0x2e: reader.uleb(); break;  // GNU_args_size
                case 0x2f: { std::uint64_t reg = reader.uleb(); set_offset(reg, -static_cast<std::int64_t>(reader.uleb()) * cie.data_alignment); break; }
                default: return false;  // unknown opcode: its operands cannot be skipped
            }
        }
        return reader.ok();
    };
    if (!run(cie.instructions, cie.instructions_end, true)) return std::nullopt;
    initial = state;
    past = false;
    if (!run(fde.instructions, fde.instructions_end, false)) return std::nullopt;

    FrameRule rule;
    rule.signal_frame = cie.signal_frame;
    if (state.plt) {
        rule.cfa = FrameRule::Cfa::kPltExpression;
        rule.cfa_offset = *state.plt;
    } else if (state.rbp_deref) {
        rule.cfa = FrameRule::Cfa::kRbpDereference;
        rule.cfa_offset = *state.rbp_deref;
    } else if (state.cfa_expression) {
        rule.cfa = FrameRule::Cfa::kUnsupported;
    } else if (state.cfa_register == kRsp) {
        rule.cfa = FrameRule::Cfa::kRsp;
        rule.cfa_offset = state.cfa_offset;
    } else if (state.cfa_register == kRbp) {
        rule.cfa = FrameRule::Cfa::kRbp;
        rule.cfa_offset = state.cfa_offset;
    } else {
        rule.cfa = FrameRule::Cfa::kUnsupported;  // e.g. CFA = r10 in stack-realigning prologues
    }
    switch (state.return_address.kind) {
        case RegisterRule::Kind::kUndefined: rule.outermost = true; break;
        case RegisterRule::Kind::kOffset: rule.return_address_offset = state.return_address.offset; break;
        default: rule.return_address_known = false; break;
    }
    switch (state.rbp.kind) {
        case RegisterRule::Kind::kSame: rule.rbp = FrameRule::Saved::kSameValue; break;
        case RegisterRule::Kind::kOffset:
            rule.rbp = FrameRule::Saved::kAtOffset;
            rule.rbp_offset = state.rbp.offset;
            break;
        default: rule.rbp = FrameRule::Saved::kUnknown; break;
    }
    return rule;
}

}  // namespace validprof::stacks
