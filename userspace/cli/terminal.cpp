#include "cli/terminal.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace validprof::cli {

std::size_t output_width(bool wide) {
    if (wide) return 0;
    std::size_t width = kDefaultWidth;
    winsize size{};
    if (::isatty(STDOUT_FILENO) == 1 && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
        width = size.ws_col;
    } else if (const char* columns = std::getenv("COLUMNS"); columns && *columns) {
        std::size_t value = 0;
        const std::string_view text(columns);
        auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error == std::errc() && end == text.data() + text.size() && value > 0) width = value;
    }
    return width < kMinimumWidth ? kMinimumWidth : width;
}

bool colour_wanted() {
    if (::isatty(STDOUT_FILENO) != 1) return false;
    if (const char* no_colour = std::getenv("NO_COLOR"); no_colour && *no_colour) return false;
    if (const char* term = std::getenv("TERM"); term && std::strcmp(term, "dumb") == 0) return false;
    return true;
}

}  // namespace validprof::cli
