#pragma once
// Small ASCII and UTF-8 helpers shared by the pure modules: the tree's one definition of each
// kind of whitespace, of a well-formed UTF-8 sequence and of UTF-8 sanitizing.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crawl::text {

/// HTML's "ASCII whitespace" (WHATWG Infra): TAB, LF, FF, CR and SPACE. What HTML splits
/// attribute tokens on, what its <meta> prescan skips and what document.title collapses.
[[nodiscard]] constexpr bool is_html_space(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/// What C's isspace() accepts in the "C" locale: HTML's ASCII whitespace plus VT. trim()'s
/// set, for header values, robots.txt lines, input lines and command-line values.
[[nodiscard]] constexpr bool is_c_space(char c) noexcept
{
    return is_html_space(c) || c == '\v';
}

/// Strips is_c_space bytes from both ends.
[[nodiscard]] std::string_view trim(std::string_view s) noexcept;

/// Strips HTML's ASCII whitespace (is_html_space) from both ends.
[[nodiscard]] std::string_view trim_html_space(std::string_view s) noexcept;

/// ASCII-only lowercase of one byte: other bytes come back unchanged.
[[nodiscard]] constexpr char to_lower_ascii(char c) noexcept
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

/// The value of one hexadecimal digit, either case, or -1 for any other byte.
[[nodiscard]] constexpr int hex_digit_value(char c) noexcept
{
    const char lower = to_lower_ascii(c);
    if (lower >= '0' && lower <= '9') {
        return lower - '0';
    }
    return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
}

/// Appends the percent-encoding of one byte, "%" and two uppercase hex digits (URLs and
/// robots.txt paths write escapes so).
void append_percent_encoded(unsigned char byte, std::string& out);

/// ASCII-only lowercase copy.
[[nodiscard]] std::string to_lower_ascii(std::string_view s);

/// ASCII case-insensitive equality.
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;

/// The whole of `s` as a decimal number that fits in 32 bits (digits only: no sign, no space),
/// or nullopt.
[[nodiscard]] std::optional<std::uint32_t> parse_u32(std::string_view s) noexcept;

/// U+FFFD REPLACEMENT CHARACTER in UTF-8: what each ill-formed byte becomes.
inline constexpr std::string_view replacement_character = "\xEF\xBF\xBD";

/// What the bytes at the start of a string are, read as UTF-8 (Unicode Table 3-7: no
/// overlongs, no surrogates, at most U+10FFFF).
enum class utf8_kind {
    well_formed, ///< a whole sequence, `length` bytes (1-4; NUL is one)
    ill_formed,  ///< the first byte cannot begin a sequence, or one after it cannot continue it
    cut_short,   ///< the string ends inside a sequence whose bytes so far are well-formed
};

struct utf8_sequence {
    utf8_kind kind = utf8_kind::cut_short;
    std::size_t length = 0; ///< bytes of a well-formed sequence; 0 otherwise
};

/// Reads the UTF-8 sequence at the start of `s` (cut_short when `s` is empty).
[[nodiscard]] utf8_sequence read_utf8_sequence(std::string_view s) noexcept;

/// Length (1-4) of the well-formed UTF-8 sequence at the start of `s`, or 0 when it is
/// ill-formed or cut short.
[[nodiscard]] std::size_t utf8_sequence_length(std::string_view s) noexcept;

/// Length of the longest prefix of `s` made of whole well-formed UTF-8 sequences.
[[nodiscard]] std::size_t well_formed_utf8_prefix(std::string_view s) noexcept;

/// True when `s` is well-formed UTF-8.
[[nodiscard]] bool is_valid_utf8(std::string_view s) noexcept;

/// Appends the UTF-8 of code point `cp` (below 0x110000) to `out`. A surrogate gets the three
/// bytes of its generalized (WTF-8) form: the caller decides whether it may occur.
void append_utf8(std::uint32_t cp, std::string& out);

/// Appends `s` to `out` as well-formed UTF-8: each byte that cannot begin or continue a
/// well-formed sequence becomes U+FFFD, and reading resumes at the next byte (so a sequence
/// cut short by the end of `s` gives one U+FFFD per byte).
void append_utf8_sanitized(std::string_view s, std::string& out);

/// append_utf8_sanitized for text that arrives in pieces: a well-formed start of a sequence
/// cut short by the end of `s` is left out, for the caller to put in front of the next piece.
/// Returns how many bytes of `s` were consumed.
[[nodiscard]] std::size_t append_utf8_sanitized_prefix(std::string_view s, std::string& out);

/// Longest prefix of `s` that is at most `max_bytes` long and does not end inside a UTF-8
/// sequence.
[[nodiscard]] std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes) noexcept;

} // namespace crawl::text
