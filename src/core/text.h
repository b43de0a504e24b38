// Checks on text from outside.
#pragma once

#include <string>
#include <string_view>

namespace vigie {

// True when `text` is well-formed UTF-8: no overlong forms, no UTF-16 surrogates, nothing past
// U+10FFFF, no truncated sequence.
bool IsValidUtf8(std::string_view text);

// `text` with ASCII letters in lower case; other bytes unchanged.
std::string AsciiLower(std::string_view text);

// `text` without leading and trailing ASCII white space.
std::string_view TrimSpace(std::string_view text);

// `text` with every byte that does not begin a well-formed sequence replaced by U+FFFD.
std::string ToValidUtf8(std::string_view text);

}  // namespace vigie
