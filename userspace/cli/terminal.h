// What the text commands (report, sessions, explain) know about where
// their output goes: how wide to make it, and whether colour is welcome.
#pragma once

#include <cstddef>

namespace validprof::cli {

// The width to fit text output to: 0 with --wide (nothing cut); otherwise
// the terminal's columns when stdout is one (TIOCGWINSZ), else $COLUMNS
// when it is a positive number (what shells export, and what a user sets
// for a pipe), else 100. Never below kMinimumWidth: a report squeezed
// further is unreadable either way.
inline constexpr std::size_t kDefaultWidth = 100;
inline constexpr std::size_t kMinimumWidth = 40;
std::size_t output_width(bool wide);

// Colour only on a terminal, and never when NO_COLOR is set to anything
// non-empty (no-color.org) or TERM is "dumb".
bool colour_wanted();

}  // namespace validprof::cli
