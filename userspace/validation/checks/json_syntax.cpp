#include "validation/checks/json_syntax.h"

#include <nlohmann/json.hpp>

namespace validprof::validation {
namespace {

// Accepts every value and keeps the first error's message; returning false
// from parse_error ends the parse there, as json::accept's reader does.
class SyntaxOnlyReader final : public nlohmann::json::json_sax_t {
public:
    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override { return true; }
    bool key(string_t&) override { return true; }
    bool end_object() override { return true; }
    bool start_array(std::size_t) override { return true; }
    bool end_array() override { return true; }
    bool parse_error(std::size_t byte, const std::string&, const nlohmann::json::exception& error) override {
        // what() reads "[json.exception.parse_error.101] parse error at line
        // 3, column 5: syntax error while parsing ..."; keep the part after
        // the exception id. Other errors (out_of_range.406, a number beyond
        // a double) carry no position: add the byte.
        message_ = error.what();
        if (auto bracket = message_.find("] "); bracket != std::string::npos) message_.erase(0, bracket + 2);
        if (dynamic_cast<const nlohmann::json::parse_error*>(&error) == nullptr)
            message_ = "at byte " + std::to_string(byte) + ": " + message_;
        return false;
    }

    const std::string& message() const { return message_; }

private:
    std::string message_;
};

}  // namespace

CheckOutcome check_json_syntax(std::string_view text) {
    SyntaxOnlyReader reader;
    const bool well_formed = nlohmann::json::sax_parse(text.begin(), text.end(), &reader);
    if (well_formed) return passed_check(kSyntaxCheck);
    return CheckOutcome{kSyntaxCheck, false, 1, reader.message().empty() ? "malformed JSON" : reader.message()};
}

}  // namespace validprof::validation
