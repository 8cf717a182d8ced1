#include "crawl/util/text.hpp"

#include <cstdint>

namespace crawl::text {
namespace {

constexpr bool is_space(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

constexpr char lower(char c) noexcept
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

} // namespace

std::size_t utf8_sequence_length(std::string_view s) noexcept
{
    const auto b = [&](std::size_t i) { return static_cast<std::uint8_t>(s[i]); };
    if (s.empty()) {
        return 0;
    }
    const std::uint8_t c = b(0);
    if (c < 0x80) {
        return 1;
    }
    std::size_t n = 0;
    std::uint8_t lo = 0x80;
    std::uint8_t hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) {
            lo = 0xA0; // no overlongs
        } else if (c == 0xED) {
            hi = 0x9F; // no surrogates
        }
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) {
            lo = 0x90;
        } else if (c == 0xF4) {
            hi = 0x8F; // at most U+10FFFF
        }
    } else {
        return 0;
    }
    if (s.size() < n) {
        return 0;
    }
    if (b(1) < lo || b(1) > hi) {
        return 0;
    }
    for (std::size_t i = 2; i < n; ++i) {
        if (b(i) < 0x80 || b(i) > 0xBF) {
            return 0;
        }
    }
    return n;
}

std::string_view trim(std::string_view s) noexcept
{
    while (!s.empty() && is_space(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_space(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

std::string to_lower_ascii(std::string_view s)
{
    std::string out(s);
    for (char& c : out) {
        c = lower(c);
    }
    return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

bool is_valid_utf8(std::string_view s) noexcept
{
    while (!s.empty()) {
        const std::size_t n = utf8_sequence_length(s);
        if (n == 0) {
            return false;
        }
        s.remove_prefix(n);
    }
    return true;
}

void append_utf8_sanitized(std::string_view s, std::string& out)
{
    out.reserve(out.size() + s.size());
    while (!s.empty()) {
        // Copy the longest valid run in one go: the common case is all-valid text.
        std::size_t run = 0;
        std::size_t n = 0;
        while (run < s.size() && (n = utf8_sequence_length(s.substr(run))) != 0) {
            run += n;
        }
        out.append(s.data(), run);
        s.remove_prefix(run);
        if (!s.empty()) {
            out.append("\xEF\xBF\xBD"); // U+FFFD for one ill-formed byte, then resync
            s.remove_prefix(1);
        }
    }
}

std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes) noexcept
{
    if (s.size() <= max_bytes) {
        return s;
    }
    std::size_t end = max_bytes;
    // Back up over continuation bytes so the cut falls on a sequence boundary.
    while (end > 0 && (static_cast<std::uint8_t>(s[end]) & 0xC0) == 0x80) {
        --end;
    }
    return s.substr(0, end);
}

} // namespace crawl::text
