// libbpf reports failures as negative (sometimes positive) error numbers;
// every BPF object's loader turns them into the same one-line message.
#pragma once

#include <cstring>
#include <string>

#include "common/result.h"

namespace validprof::bpf_support {

inline common::Error libbpf_error(const std::string& what, int error) {
    const int code = error < 0 ? -error : error;
    return common::make_error(what + ": " + std::strerror(code), code);
}

}  // namespace validprof::bpf_support
