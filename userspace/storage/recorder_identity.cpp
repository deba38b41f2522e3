#include "storage/recorder_identity.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace validprof::storage {
namespace {

std::string read_first_line(const std::string& path) {
    std::ifstream file(path);
    std::string line;
    std::getline(file, line);
    return line;
}

std::string boot_id() { return read_first_line("/proc/sys/kernel/random/boot_id"); }

std::uint64_t start_ticks_of(std::int32_t pid) {
    return start_ticks_from_stat(read_first_line("/proc/" + std::to_string(pid) + "/stat"));
}

}  // namespace

std::uint64_t start_ticks_from_stat(const std::string& stat_line) {
    const auto name_end = stat_line.rfind(')');
    if (name_end == std::string::npos) return 0;
    // After ") ": field 3 (state) is the first; starttime is field 22.
    std::istringstream fields(stat_line.substr(name_end + 1));
    std::string field;
    for (int number = 3; number <= 22; ++number) {
        if (!(fields >> field)) return 0;
    }
    return std::strtoull(field.c_str(), nullptr, 10);
}

RecorderIdentity current_recorder() {
    RecorderIdentity self;
    self.pid = static_cast<std::int32_t>(::getpid());
    self.start_ticks = start_ticks_of(self.pid);
    self.boot_id = boot_id();
    return self;
}

bool still_running(const RecorderIdentity& recorder) {
    if (recorder.pid <= 0 || recorder.start_ticks == 0 || recorder.boot_id.empty()) return false;
    if (recorder.boot_id != boot_id()) return false;
    return start_ticks_of(recorder.pid) == recorder.start_ticks;
}

}  // namespace validprof::storage
