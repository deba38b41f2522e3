// Fault injection for the validators, chosen by flag
// (--fault validator=I:KIND, repeatable). What each kind does:
//   silent        receives and follows the protocol internally, sends nothing
//                 (a crashed or partitioned validator)
//   slow          follows the protocol, every message it sends is delivered
//                 slow_delay late (more than a view timeout by default, so a
//                 slow primary is replaced)
//   equivocate    tells half of the others one decision and the other half
//                 the opposite, in every pre-prepare, prepare, commit and
//                 new-view; replies the opposite of its evaluation
//   always-reject evaluates every completion as "reject" and otherwise
//                 follows the protocol (a validator with a broken checker)
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace validprof::validation {

enum class FaultKind { None, Silent, Slow, Equivocate, AlwaysReject };

const char* fault_kind_name(FaultKind kind);

struct FaultSpec {
    int validator = 0;
    FaultKind kind = FaultKind::None;
};

// "validator=2:slow" (or "2:slow").
common::Result<FaultSpec> parse_fault(std::string_view text);

// The fault of each validator, None where nothing was injected. Errors: an
// index outside 0..validators-1, or two faults for one validator.
common::Result<std::vector<FaultKind>> assign_faults(const std::vector<FaultSpec>& faults, int validators);

}  // namespace validprof::validation
