// JSON well-formedness: the verdict of nlohmann's own acceptor
// (json::accept), read by its SAX parser without building the document:
// only "does it parse, and if not where" feeds the truth score.
//
// A number no double can hold (1e400) fails the check. The grammar allows
// it, but RFC 8259 section 6 warns that readers differ on it (JSON.parse
// gives Infinity, strict readers refuse), and this parser refuses it: an
// edited file with one is flagged rather than guessed about. Found by
// fuzzing: the DOM reader used before threw out_of_range for it, which
// nothing caught.
#pragma once

#include <string_view>

#include "validation/checks/check_outcome.h"

namespace validprof::validation {

CheckOutcome check_json_syntax(std::string_view text);

}  // namespace validprof::validation
