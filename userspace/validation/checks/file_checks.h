// All checks on one edited file: read it, hash it, run the checks that apply
// to its kind, run the configured command, hash it again. The result is the
// file's part of the evidence the validators vote on.
//
// Which checks apply (see docs/validation-core.md for how each feeds the
// truth score):
//   kind      syntax               whitespace                 line-length
//   c, cpp    brackets (c_brackets) trailing + indentation mix  yes
//   json      full parse           trailing                   no (minified JSON is fine)
//   yaml      yaml_structure       trailing                   no
//   text      -                    trailing                   no
//   binary    -                    -                          -
// The command check applies to every kind when --check-command is set.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "validation/checks/check_outcome.h"
#include "validation/checks/command_check.h"

namespace validprof::validation {

enum class FileKind { C, Cpp, Json, Yaml, Text, Binary };

const char* file_kind_name(FileKind kind);
std::optional<FileKind> parse_file_kind(std::string_view name);
// By extension; contents decide only text versus binary (a NUL byte in the
// first 8 KiB, as git and grep decide).
FileKind classify_file(const std::string& path, std::string_view contents);

struct FileCheckOptions {
    int max_line_length = 120;               // columns, for C and C++
    std::string check_command;               // empty: no command check
    std::chrono::milliseconds command_timeout{30'000};
    // Fire the checks_* / check_* probes. The hook's own checks do; a
    // validator's re-checks run inside its evaluate_* pair instead, so that
    // "checks" stays one phase per file per hook for a tracer.
    bool probes = true;
};

struct FileEvidence {
    std::string path;
    FileKind kind = FileKind::Text;
    std::uint64_t bytes = 0;
    int lines = 0;
    std::string sha256;        // hex, before the checks
    std::string sha256_after;  // hex, after the checks (and the command) ran
    std::vector<CheckOutcome> checks;       // syntax / whitespace / line-length, those that apply
    std::optional<CommandOutcome> command;  // when a check command is configured
    double checks_ms = 0;                   // wall time of all checks on this file

    int passed_checks() const;
    int applicable_checks() const;  // the command counts as one
};

// The largest edited file the checks read (16 MiB): source, config and
// data files a hook validates are far smaller; a bigger one is an error,
// not minutes of reading.
inline constexpr std::uint64_t kMaxCheckedFileBytes = 16ull << 20;

// Errors: the file cannot be read (missing, not a regular file, too large, no permission) and
// the command cannot be started. Check failures are results, not errors.
common::Result<std::string> read_whole_file(const std::string& path);
common::Result<FileEvidence> check_file(const std::string& path, const FileCheckOptions& options);

}  // namespace validprof::validation
