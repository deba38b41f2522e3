// Helpers shared by the harnesses: the fuzz input as text, as a record
// padded to a fixed size, and as a file for APIs that take a path.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace validprof::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// The input zero-padded (or cut) to `size` bytes: a decoder sees a record
// of the size the kernel sends, whatever the input's length, so the fuzzer
// reaches the full-record paths from short inputs too.
inline std::vector<std::uint8_t> padded(const std::uint8_t* data, std::size_t size, std::size_t record_size) {
    std::vector<std::uint8_t> record(record_size, 0);
    std::memcpy(record.data(), data, size < record_size ? size : record_size);
    return record;
}

// The input as a file in memory (memfd), named by a /proc/self/fd path, for
// the ELF readers that open a path. Nothing touches the disk, and every
// input gets a fresh file.
class InputFile {
public:
    InputFile(const std::uint8_t* data, std::size_t size) : fd_(::memfd_create("fuzz-input", MFD_CLOEXEC)) {
        if (fd_ < 0) std::abort();  // not the input's fault: stop the run
        std::size_t written = 0;
        while (written < size) {
            ssize_t n = ::write(fd_, data + written, size - written);
            if (n <= 0) std::abort();
            written += static_cast<std::size_t>(n);
        }
        path_ = "/proc/self/fd/" + std::to_string(fd_);
    }
    ~InputFile() { ::close(fd_); }
    InputFile(const InputFile&) = delete;
    InputFile& operator=(const InputFile&) = delete;

    const std::string& path() const { return path_; }

private:
    int fd_;
    std::string path_;
};

// A property a harness checks: a violation is a finding, like a crash.
inline void require(bool holds, const char* what) {
    if (!holds) {
        std::fprintf(stderr, "fuzz property violated: %s\n", what);
        std::abort();
    }
}

}  // namespace validprof::fuzz
