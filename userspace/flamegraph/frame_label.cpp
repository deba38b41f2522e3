#include "flamegraph/frame_label.h"

#include "text/text_layout.h"

namespace validprof::flamegraph {

std::string frame_label(std::string_view name) {
    if (name.empty()) return "[unknown]";
    std::string text = text::sanitize(name);  // valid UTF-8, controls → '?'
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == ';') {
            out.push_back(':');
        } else if (static_cast<unsigned char>(c) == 0xEF && i + 2 < text.size() &&
                   static_cast<unsigned char>(text[i + 1]) == 0xBF &&
                   (static_cast<unsigned char>(text[i + 2]) == 0xBE ||
                    static_cast<unsigned char>(text[i + 2]) == 0xBF)) {
            out += "\xEF\xBF\xBD";
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

}  // namespace validprof::flamegraph
