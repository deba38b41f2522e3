// Result<T>: a value or an Error carrying a one-line message and, where the
// failure came from a system call, its errno. C++20 has no std::expected, and
// every recoverable failure in validprof (a rule that does not compile, a
// database that cannot be opened, a BPF program the kernel refuses) has to
// reach the user as one line that says what failed, so errors are values.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace validprof::common {

struct Error {
    std::string message;
    int errno_value = 0;  // 0 when the failure did not come from a system call
};

inline Error make_error(std::string message, int errno_value = 0) {
    return Error{std::move(message), errno_value};
}

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(state_); }
    const T& value() const& { return std::get<0>(state_); }
    T&& value() && { return std::get<0>(std::move(state_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { return std::get<1>(state_); }

private:
    std::variant<T, Error> state_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const { return error_; }

private:
    Error error_;
    bool ok_ = true;
};

inline Result<void> success() { return {}; }

}  // namespace validprof::common
