// Colour for the text outputs on a terminal (cli/terminal.h decides when):
// applied line by line to the finished, fitted text, so the layout code
// stays colour-blind and every line is reset at its end (a cut or wrapped
// line never bleeds colour into the next). Escape codes take no columns.
//
//   red     lost events above zero, INCOMPLETE sessions, failed runs
//   yellow  warnings and sessions still in progress
//   bold    each slowest invocation's heading (#1 …) and each hook's
//           top cause in explain
#pragma once

#include <string>
#include <string_view>

namespace validprof::text {

std::string colourize(std::string_view text);

}  // namespace validprof::text
