#pragma once
// Small ASCII and UTF-8 helpers shared by the pure modules.

#include <string>
#include <string_view>

namespace crawl::text {

/// Strips ASCII whitespace (space, tab, CR, LF, FF, VT) from both ends.
[[nodiscard]] std::string_view trim(std::string_view s) noexcept;

/// ASCII-only lowercase copy.
[[nodiscard]] std::string to_lower_ascii(std::string_view s);

/// ASCII case-insensitive equality.
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;

/// Length (1-4) of the well-formed UTF-8 sequence at the start of `s`, or 0 when it is
/// ill-formed or cut short (Unicode Table 3-7: no overlongs, no surrogates, at most U+10FFFF).
[[nodiscard]] std::size_t utf8_sequence_length(std::string_view s) noexcept;

/// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
[[nodiscard]] bool is_valid_utf8(std::string_view s) noexcept;

/// Appends `s` to `out`, replacing each ill-formed UTF-8 sequence with U+FFFD.
void append_utf8_sanitized(std::string_view s, std::string& out);

/// Longest prefix of `s` that is at most `max_bytes` long and does not end inside a UTF-8
/// sequence.
[[nodiscard]] std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes) noexcept;

} // namespace crawl::text
