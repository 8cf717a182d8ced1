#include "crawl/util/text.hpp"

#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace crawl::text {
namespace {

template <class IsSpace>
std::string_view trim_with(std::string_view s, IsSpace is_space) noexcept
{
    while (!s.empty() && is_space(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_space(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

// The end of the run of ASCII bytes that starts at `i`. Nearly all of a typical page is such
// a run, and checking UTF-8 is on every byte's path: with SSE2 (every x86-64) 64 bytes are
// checked a step (the high bit of each byte is what movemask collects), elsewhere 32 bytes as
// four words; then the vector or word that ends the run is looked into.
std::size_t ascii_run_end(std::string_view s, std::size_t i) noexcept
{
    constexpr std::uint64_t high_bits = 0x8080808080808080ULL;
#if defined(__SSE2__)
    const auto load = [&s](std::size_t at) {
        return _mm_loadu_si128(static_cast<const __m128i*>(static_cast<const void*>(s.data() + at)));
    };
    while (i + 64 <= s.size()) {
        const __m128i any = _mm_or_si128(_mm_or_si128(load(i), load(i + 16)), _mm_or_si128(load(i + 32), load(i + 48)));
        if (_mm_movemask_epi8(any) != 0) {
            break;
        }
        i += 64;
    }
    while (i + 16 <= s.size()) {
        if (const auto high = static_cast<unsigned>(_mm_movemask_epi8(load(i))); high != 0) {
            return i + static_cast<std::size_t>(std::countr_zero(high));
        }
        i += 16;
    }
#else
    while (i + 32 <= s.size()) {
        std::uint64_t w[4];
        std::memcpy(w, s.data() + i, sizeof w);
        if (((w[0] | w[1] | w[2] | w[3]) & high_bits) != 0) {
            break;
        }
        i += 32;
    }
#endif
    while (i + 8 <= s.size()) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + i, sizeof w);
        if ((w & high_bits) != 0) {
            break;
        }
        i += 8;
    }
    while (i < s.size() && static_cast<std::uint8_t>(s[i]) < 0x80) {
        ++i;
    }
    return i;
}

// The one sanitizing loop behind both public forms; `keep_cut_end` leaves a sequence cut
// short by the end of `s` unconsumed instead of replacing it.
std::size_t sanitize(std::string_view s, std::string& out, bool keep_cut_end)
{
    std::size_t i = 0;
    while (i < s.size()) {
        const std::size_t run = ascii_run_end(s, i);
        out.append(s.substr(i, run - i));
        i = run;
        if (i == s.size()) {
            break;
        }
        const utf8_sequence seq = read_utf8_sequence(s.substr(i));
        if (seq.kind == utf8_kind::well_formed) {
            out.append(s.substr(i, seq.length));
            i += seq.length;
        } else if (seq.kind == utf8_kind::cut_short && keep_cut_end) {
            return i;
        } else {
            out += replacement_character;
            ++i;
        }
    }
    return i;
}

} // namespace

std::string_view trim(std::string_view s) noexcept
{
    return trim_with(s, is_c_space);
}

std::string_view trim_html_space(std::string_view s) noexcept
{
    return trim_with(s, is_html_space);
}

void append_percent_encoded(unsigned char byte, std::string& out)
{
    static constexpr std::string_view hex = "0123456789ABCDEF";
    out += '%';
    out += hex[byte >> 4U];
    out += hex[byte & 0x0FU];
}

std::string to_lower_ascii(std::string_view s)
{
    std::string out(s);
    for (char& c : out) {
        c = to_lower_ascii(c);
    }
    return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (to_lower_ascii(a[i]) != to_lower_ascii(b[i])) {
            return false;
        }
    }
    return true;
}

utf8_sequence read_utf8_sequence(std::string_view s) noexcept
{
    if (s.empty()) {
        return {utf8_kind::cut_short, 0};
    }
    const auto b = [&](std::size_t i) { return static_cast<std::uint8_t>(s[i]); };
    const std::uint8_t c = b(0);
    if (c < 0x80) {
        return {utf8_kind::well_formed, 1};
    }
    std::size_t length = 0;
    // The range of the second byte; later ones are always 0x80..0xBF.
    std::uint8_t lo = 0x80;
    std::uint8_t hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        length = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80; // no overlongs
        hi = c == 0xED ? 0x9F : 0xBF; // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
        length = 4;
        lo = c == 0xF0 ? 0x90 : 0x80; // no overlongs
        hi = c == 0xF4 ? 0x8F : 0xBF; // at most U+10FFFF
    } else {
        return {utf8_kind::ill_formed, 0};
    }
    for (std::size_t i = 1; i < length; ++i) {
        if (i == s.size()) {
            return {utf8_kind::cut_short, 0};
        }
        const std::uint8_t min = i == 1 ? lo : std::uint8_t{0x80};
        const std::uint8_t max = i == 1 ? hi : std::uint8_t{0xBF};
        if (b(i) < min || b(i) > max) {
            return {utf8_kind::ill_formed, 0};
        }
    }
    return {utf8_kind::well_formed, length};
}

std::size_t utf8_sequence_length(std::string_view s) noexcept
{
    const utf8_sequence seq = read_utf8_sequence(s);
    return seq.kind == utf8_kind::well_formed ? seq.length : 0;
}

std::size_t well_formed_utf8_prefix(std::string_view s) noexcept
{
    std::size_t i = 0;
    for (;;) {
        i = ascii_run_end(s, i);
        const std::size_t n = i == s.size() ? 0 : utf8_sequence_length(s.substr(i));
        if (n == 0) {
            return i;
        }
        i += n;
    }
}

bool is_valid_utf8(std::string_view s) noexcept
{
    return well_formed_utf8_prefix(s) == s.size();
}

void append_utf8(std::uint32_t cp, std::string& out)
{
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

void append_utf8_sanitized(std::string_view s, std::string& out)
{
    out.reserve(out.size() + s.size());
    sanitize(s, out, false);
}

std::size_t append_utf8_sanitized_prefix(std::string_view s, std::string& out)
{
    return sanitize(s, out, true);
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

std::optional<std::uint32_t> parse_u32(std::string_view s) noexcept
{
    std::uint32_t value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) {
        return std::nullopt;
    }
    return value;
}

} // namespace crawl::text
