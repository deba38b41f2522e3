#include "flamegraph/selection.h"

#include <string>

namespace validprof::flamegraph {

common::Result<View> parse_view(std::string_view text) {
    if (text == "cpu") return View::kCpu;
    if (text == "offcpu" || text == "off-cpu") return View::kOffCpu;
    if (text == "wall") return View::kWall;
    return common::make_error("unknown flame graph kind '" + std::string(text) +
                              "': use cpu, offcpu or wall");
}

std::string_view view_name(View view) {
    switch (view) {
        case View::kCpu: return "cpu";
        case View::kOffCpu: return "offcpu";
        case View::kWall: return "wall";
    }
    return "cpu";
}

}  // namespace validprof::flamegraph
