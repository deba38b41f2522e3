// `validprof explain` as text for people and as JSON for tools, from the
// same Explanation.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "explain/explanation.h"

namespace validprof::explain {

struct TextOptions {
    std::size_t top_causes = 5;       // per hook (--top)
    std::size_t slow_invocations = 3; // explained one by one, slowest first
    std::size_t width = 0;            // fit to this many columns (0: --wide, as wide as it is)
};

std::string explanation_text(const Explanation& explanation, const TextOptions& options);

// {"session", "hooks": [{"hook", "invocations" (count), "wall_p50_ns",
// "wall_p90_ns", "wall_mean_ns", "causes": [{"kind", "process", "ns", "share",
// "evidence": [...]}], "slow_vs_typical": [...], "baseline": {...}}],
// "invocations": [{"id", "hook", "wall_ns", "explained_ns", "causes": [...
// with "pid"], "path": [...] with paths}]}
nlohmann::json explanation_json(const Explanation& explanation, bool with_paths);

}  // namespace validprof::explain
