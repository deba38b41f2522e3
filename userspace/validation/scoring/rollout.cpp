#include "validation/scoring/rollout.h"

namespace validprof::validation {

RolloutDecision decide_rollout(std::string_view user, std::string_view flag, int percent) {
    RolloutDecision decision;
    decision.key = std::string(user) + "-" + std::string(flag);
    decision.hash = fnv1a_32(decision.key);
    decision.bucket = static_cast<int>(decision.hash % 100);
    decision.percent = percent;
    decision.admitted = decision.bucket < percent;
    return decision;
}

}  // namespace validprof::validation
