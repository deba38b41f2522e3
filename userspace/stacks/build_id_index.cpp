#include "stacks/build_id_index.h"

#include "bcc/bcc_runtime.h"

#include <filesystem>
#include <system_error>

namespace validprof::stacks {
namespace {

namespace fs = std::filesystem;

// Where shared objects and programs live on Debian and most distributions.
const char* const kSystemDirectories[] = {
    "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib",
    "/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin", "/usr/libexec",
};

bool looks_like_object(const fs::directory_entry& entry) {
    std::error_code error;
    if (!entry.is_regular_file(error)) return false;
    std::string name = entry.path().filename().string();
    if (name.find(".so") != std::string::npos) return true;
    auto permissions = entry.status(error).permissions();
    return (permissions & fs::perms::owner_exec) != fs::perms::none;
}

}  // namespace

std::string to_hex(const BuildId& id) {
    static const char digits[] = "0123456789abcdef";
    std::string hex;
    for (unsigned char byte : id) {
        hex += digits[byte >> 4];
        hex += digits[byte & 0xf];
    }
    return hex;
}

void BuildIdIndex::add_file(const std::string& path) {
    if (path.empty() || !seen_paths_.insert(path).second) return;
    char hex[41] = {};
    if (bcc::elf_get_buildid(path.c_str(), hex) != 0) return;
    path_by_id_.emplace(hex, path);
}

void BuildIdIndex::add_mapped_file(const std::string& hex_id, const std::string& path) {
    if (!path.empty() && path.front() == '/') mapped_by_id_.emplace(hex_id, path);
}

std::optional<std::string> BuildIdIndex::find(const BuildId& id) {
    std::string hex = to_hex(id);
    if (auto found = path_by_id_.find(hex); found != path_by_id_.end()) return found->second;
    if (auto mapped = mapped_by_id_.find(hex); mapped != mapped_by_id_.end()) {
        std::string path = mapped->second;
        mapped_by_id_.erase(mapped);
        add_file(path);  // its note decides
        if (auto found = path_by_id_.find(hex); found != path_by_id_.end()) return found->second;
    }
    if (!scanned_) {
        scan_system_directories();
        if (auto found = path_by_id_.find(hex); found != path_by_id_.end()) return found->second;
    }
    return std::nullopt;
}

void BuildIdIndex::scan_system_directories() {
    scanned_ = true;
    for (const char* directory : kSystemDirectories) {
        std::error_code error;
        // One level below too: e.g. /usr/lib/x86_64-linux-gnu/<package>/.
        for (fs::recursive_directory_iterator it(directory, fs::directory_options::skip_permission_denied, error), end;
             !error && it != end; it.increment(error)) {
            if (it.depth() > 1) {
                it.disable_recursion_pending();
                continue;
            }
            if (looks_like_object(*it)) add_file(it->path().string());
        }
    }
}

}  // namespace validprof::stacks
