// A structural YAML check of our own (no YAML library on the machine): the
// mistakes that break configuration files in practice, found line by line
// without building a document.
//
// What it rejects:
//   - tabs in indentation (YAML forbids them);
//   - a dedent to a column that matches no enclosing block;
//   - deeper indentation where nothing opened a block ("a: b" followed by
//     "  c: d", YAML's "mapping values are not allowed here");
//   - a line that is neither "key: value", "- item" nor the continuation of
//     a scalar;
//   - "key: a: b" (a plain scalar cannot contain ": ");
//   - the same key twice in one mapping;
//   - unterminated quoted scalars and unbalanced flow collections ([...],
//     {...}), also across lines.
// What it does not do: anchors/aliases resolution, tags, complex keys
// ("? "), or the exact scalar grammar. Block scalars (| and >) are skipped
// as opaque text, as YAML does.
#pragma once

#include <string_view>

#include "validation/checks/check_outcome.h"

namespace validprof::validation {

CheckOutcome check_yaml_structure(std::string_view text);

}  // namespace validprof::validation
