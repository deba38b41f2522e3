// JSON well-formedness: a full parse (nlohmann::json), the same verdict a
// `jq .` or `JSON.parse` would give. The parsed value is thrown away; only
// "does it parse, and if not where" feeds the truth score.
#pragma once

#include <string_view>

#include "validation/checks/check_outcome.h"

namespace validprof::validation {

CheckOutcome check_json_syntax(std::string_view text);

}  // namespace validprof::validation
