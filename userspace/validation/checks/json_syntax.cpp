#include "validation/checks/json_syntax.h"

#include <nlohmann/json.hpp>

namespace validprof::validation {

CheckOutcome check_json_syntax(std::string_view text) {
    try {
        const auto parsed = nlohmann::json::parse(text.begin(), text.end());
        (void)parsed;
        return passed_check(kSyntaxCheck);
    } catch (const nlohmann::json::parse_error& error) {
        // what() reads "[json.exception.parse_error.101] parse error at line
        // 3, column 5: syntax error while parsing ..."; keep the part after
        // the exception id.
        std::string message = error.what();
        if (auto bracket = message.find("] "); bracket != std::string::npos) message.erase(0, bracket + 2);
        return CheckOutcome{kSyntaxCheck, false, 1, message};
    }
}

}  // namespace validprof::validation
