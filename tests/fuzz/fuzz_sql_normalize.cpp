// SQL text as the observed process passed it to SQLite (cut at the
// recording bound, possibly not SQL at all): normalize_sql, which groups
// statements in `validprof report --sql`.
//
// Input: the SQL text. Besides the sanitizers' checks, two properties of
// the documented result, for texts without quoted identifiers: it is
// trimmed, and it has no trailing semicolon. (A quoted identifier is kept
// byte for byte, and one cut at the bound runs to the end of the text,
// whitespace and semicolons included: the fuzzer's first finding, which is
// the documented rule rather than a defect.)
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_input.h"
#include "report/sql_normalize.h"

using validprof::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view sql = validprof::fuzz::as_text(data, size);
    std::string normalized = validprof::report::normalize_sql(sql);
    if (!normalized.empty() && sql.find_first_of("\"`[") == std::string_view::npos) {
        require(normalized.front() != ' ' && normalized.back() != ' ', "the result is trimmed");
        require(normalized.back() != ';', "trailing semicolons are removed");
    }
    return 0;
}
