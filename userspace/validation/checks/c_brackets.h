// C/C++ structure without a compiler: (), [] and {} must nest and close.
// Comments, string and character literals (raw strings included) are skipped,
// so `"{"` or `// }` do not count. This catches the truncated or half-applied
// edits an agent leaves behind, which is what logical coherence asks of code
// when no compile command is configured.
#pragma once

#include <string_view>

#include "validation/checks/check_outcome.h"

namespace validprof::validation {

CheckOutcome check_c_brackets(std::string_view text);

}  // namespace validprof::validation
