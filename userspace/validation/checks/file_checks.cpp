#include "validation/checks/file_checks.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/unique_fd.h"
#include "validation/checks/c_brackets.h"
#include "validation/checks/content_hash.h"
#include "validation/checks/json_syntax.h"
#include "validation/checks/text_style.h"
#include "validation/checks/yaml_structure.h"
#include "validation/probes.h"

namespace validprof::validation {

namespace {

// Probe result argument: 1 passed, 0 failed.
int probe_result(const CheckOutcome& outcome) { return outcome.passed ? 1 : 0; }

template <typename Check>
void run_check(FileEvidence& evidence, bool probes, const char* name, Check&& check) {
    if (probes) {
        VALIDCORE_CHECK_START(name, evidence.path.c_str());
    }
    CheckOutcome outcome = check();
    if (probes) {
        VALIDCORE_CHECK_END(name, probe_result(outcome));
    }
    evidence.checks.push_back(std::move(outcome));
}

}  // namespace

const char* file_kind_name(FileKind kind) {
    switch (kind) {
        case FileKind::C: return "c";
        case FileKind::Cpp: return "cpp";
        case FileKind::Json: return "json";
        case FileKind::Yaml: return "yaml";
        case FileKind::Text: return "text";
        case FileKind::Binary: return "binary";
    }
    return "text";
}

std::optional<FileKind> parse_file_kind(std::string_view name) {
    for (FileKind kind : {FileKind::C, FileKind::Cpp, FileKind::Json, FileKind::Yaml, FileKind::Text, FileKind::Binary}) {
        if (name == file_kind_name(kind)) return kind;
    }
    return std::nullopt;
}

FileKind classify_file(const std::string& path, std::string_view contents) {
    if (contents.substr(0, 8192).find('\0') != std::string_view::npos) return FileKind::Binary;
    std::string extension = std::filesystem::path(path).extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
    if (extension == ".c" || extension == ".h") return FileKind::C;
    if (extension == ".cc" || extension == ".cpp" || extension == ".cxx" || extension == ".hpp" || extension == ".hh" ||
        extension == ".hxx" || extension == ".ipp") {
        return FileKind::Cpp;
    }
    if (extension == ".json") return FileKind::Json;
    if (extension == ".yaml" || extension == ".yml") return FileKind::Yaml;
    return FileKind::Text;
}

int FileEvidence::passed_checks() const {
    int passed = static_cast<int>(std::count_if(checks.begin(), checks.end(), [](const CheckOutcome& c) { return c.passed; }));
    if (command && command->exit_status == 0 && !command->timed_out) ++passed;
    return passed;
}

int FileEvidence::applicable_checks() const { return static_cast<int>(checks.size()) + (command ? 1 : 0); }

common::Result<std::string> read_whole_file(const std::string& path) {
    // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused
    // below); it does not change how a regular file reads.
    common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!fd.valid()) return common::make_error(path + ": " + std::strerror(errno), errno);
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0) return common::make_error(path + ": " + std::strerror(errno), errno);
    if (S_ISDIR(info.st_mode)) return common::make_error(path + ": is a directory", EISDIR);
    // An edit is a file: a FIFO or /dev/zero would block or never end.
    if (!S_ISREG(info.st_mode)) return common::make_error(path + ": not a regular file", EINVAL);
    // The checks read the whole text; a 2 GB sparse file took 44 s and 4 GB.
    if (static_cast<std::uint64_t>(info.st_size) > kMaxCheckedFileBytes)
        return common::make_error(path + ": larger than " + std::to_string(kMaxCheckedFileBytes >> 20) +
                                      " MiB (" + std::to_string(info.st_size) + " bytes), not checked",
                                  EFBIG);
    std::string contents;
    contents.reserve(static_cast<std::size_t>(info.st_size));
    char buffer[65536];
    for (;;) {
        const ssize_t got = ::read(fd.get(), buffer, sizeof(buffer));
        if (got == 0) break;
        if (got < 0) {
            if (errno == EINTR) continue;
            return common::make_error(path + ": " + std::strerror(errno), errno);
        }
        contents.append(buffer, static_cast<std::size_t>(got));
        // The file grew while being read.
        if (contents.size() > kMaxCheckedFileBytes)
            return common::make_error(path + ": larger than " + std::to_string(kMaxCheckedFileBytes >> 20) +
                                          " MiB, not checked",
                                      EFBIG);
    }
    return contents;
}

common::Result<FileEvidence> check_file(const std::string& path, const FileCheckOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    const bool probes = options.probes;
    if (probes) {
        VALIDCORE_CHECKS_START(path.c_str());
    }
    FileEvidence evidence;
    evidence.path = path;

    auto contents = read_whole_file(path);
    if (!contents) {
        if (probes) {
            VALIDCORE_CHECKS_END(path.c_str(), 0, 0);
        }
        return contents.error();
    }
    const std::string& text = *contents;
    evidence.bytes = text.size();
    evidence.kind = classify_file(path, text);
    evidence.lines = evidence.kind == FileKind::Binary ? 0 : count_lines(text);

    if (probes) {
        VALIDCORE_CHECK_START(kContentHashCheck, path.c_str());
    }
    evidence.sha256 = to_hex(sha256(text));
    if (probes) {
        VALIDCORE_CHECK_END(kContentHashCheck, 1);
    }

    switch (evidence.kind) {
        case FileKind::C:
        case FileKind::Cpp:
            run_check(evidence, probes, kSyntaxCheck, [&] { return check_c_brackets(text); });
            run_check(evidence, probes, kWhitespaceCheck, [&] { return check_whitespace(text, true); });
            run_check(evidence, probes, kLineLengthCheck, [&] { return check_line_length(text, options.max_line_length); });
            break;
        case FileKind::Json:
            run_check(evidence, probes, kSyntaxCheck, [&] { return check_json_syntax(text); });
            run_check(evidence, probes, kWhitespaceCheck, [&] { return check_whitespace(text, false); });
            break;
        case FileKind::Yaml:
            run_check(evidence, probes, kSyntaxCheck, [&] { return check_yaml_structure(text); });
            run_check(evidence, probes, kWhitespaceCheck, [&] { return check_whitespace(text, false); });
            break;
        case FileKind::Text:
            run_check(evidence, probes, kWhitespaceCheck, [&] { return check_whitespace(text, false); });
            break;
        case FileKind::Binary:
            break;
    }

    if (!options.check_command.empty()) {
        if (probes) {
            VALIDCORE_CHECK_START(kCommandCheck, path.c_str());
        }
        auto command = run_check_command(options.check_command, path, options.command_timeout);
        if (!command) {
            if (probes) {
                VALIDCORE_CHECK_END(kCommandCheck, 0);
                VALIDCORE_CHECKS_END(path.c_str(), 0, 0);
            }
            return command.error();
        }
        if (probes) {
            VALIDCORE_CHECK_END(kCommandCheck, command->exit_status == 0 && !command->timed_out ? 1 : 0);
        }
        evidence.command = std::move(*command);
    }

    // Hash again: what was checked must still be what is on disk. A read
    // failure now (the file was removed meanwhile) counts as a change.
    if (probes) {
        VALIDCORE_CHECK_START(kContentHashCheck, path.c_str());
    }
    auto after = read_whole_file(path);
    evidence.sha256_after = after ? to_hex(sha256(*after)) : std::string("unreadable");
    if (probes) {
        VALIDCORE_CHECK_END(kContentHashCheck, evidence.sha256_after == evidence.sha256 ? 1 : 0);
    }

    evidence.checks_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    if (probes) {
        VALIDCORE_CHECKS_END(path.c_str(), evidence.passed_checks(), evidence.applicable_checks());
    }
    return evidence;
}

}  // namespace validprof::validation
