// Ring-buffer records are read by copying them out: the buffer's memory is
// only 8-byte aligned and may be reused as soon as the callback returns,
// and a record shorter than its type (a mismatched BPF object, a truncated
// sample) must be refused rather than read past.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>

#include "common/result.h"

namespace validprof::bpf_support {

template <typename Record>
bool copy_record(const void* data, std::size_t size, Record& record) {
    if (size < sizeof(Record)) return false;
    std::memcpy(&record, data, sizeof(Record));
    return true;
}

// The same, with a message naming the record's kind when it is short.
template <typename Record>
common::Result<Record> copy_record(const void* data, std::size_t size, const char* kind) {
    Record record;
    if (!copy_record(data, size, record))
        return common::make_error(std::string("short ") + kind + " record: " + std::to_string(size) +
                                  " bytes, expected " + std::to_string(sizeof(Record)));
    return record;
}

}  // namespace validprof::bpf_support
