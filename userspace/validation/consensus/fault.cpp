#include "validation/consensus/fault.h"

#include <charconv>

namespace validprof::validation {

const char* fault_kind_name(FaultKind kind) {
    switch (kind) {
        case FaultKind::None: return "none";
        case FaultKind::Silent: return "silent";
        case FaultKind::Slow: return "slow";
        case FaultKind::Equivocate: return "equivocate";
        case FaultKind::AlwaysReject: return "always-reject";
    }
    return "none";
}

common::Result<FaultSpec> parse_fault(std::string_view text) {
    const std::string original(text);
    if (text.starts_with("validator=")) text.remove_prefix(10);
    const std::size_t colon = text.find(':');
    if (colon == std::string_view::npos) {
        return common::make_error("bad --fault '" + original + "' (expected validator=INDEX:silent|slow|equivocate|always-reject)");
    }
    FaultSpec spec;
    std::string_view index = text.substr(0, colon);
    auto [end, error] = std::from_chars(index.data(), index.data() + index.size(), spec.validator);
    if (error != std::errc() || end != index.data() + index.size() || spec.validator < 0) {
        return common::make_error("bad --fault '" + original + "': '" + std::string(index) + "' is not a validator index");
    }
    std::string_view kind = text.substr(colon + 1);
    for (FaultKind candidate : {FaultKind::Silent, FaultKind::Slow, FaultKind::Equivocate, FaultKind::AlwaysReject}) {
        if (kind == fault_kind_name(candidate)) spec.kind = candidate;
    }
    if (spec.kind == FaultKind::None) {
        return common::make_error("bad --fault '" + original + "': unknown kind '" + std::string(kind) +
                                  "' (expected silent, slow, equivocate or always-reject)");
    }
    return spec;
}

common::Result<std::vector<FaultKind>> assign_faults(const std::vector<FaultSpec>& faults, int validators) {
    std::vector<FaultKind> kinds(static_cast<std::size_t>(validators), FaultKind::None);
    for (const FaultSpec& fault : faults) {
        if (fault.validator < 0 || fault.validator >= validators) {
            return common::make_error("--fault names validator " + std::to_string(fault.validator) + " but validators are 0.." +
                                      std::to_string(validators - 1));
        }
        FaultKind& slot = kinds[static_cast<std::size_t>(fault.validator)];
        if (slot != FaultKind::None) {
            return common::make_error("--fault names validator " + std::to_string(fault.validator) + " twice");
        }
        slot = fault.kind;
    }
    return kinds;
}

}  // namespace validprof::validation
