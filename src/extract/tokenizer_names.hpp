#pragma once
// What the tag states and the whole-tag fast path share: where a tag or attribute name ends,
// lowercasing it, skipping whitespace.

#include "tokenizer_machine.hpp"

#include <array>
#include <bit>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace crawl::extract {

// The bytes that end a run of a tag name (whitespace, '/', '>', NUL) and, with '=', of an
// attribute name; every other byte is taken as it is (lowercased).
struct name_stops {
    std::array<bool, 256> tag{};
    std::array<bool, 256> attribute{};
    constexpr name_stops()
    {
        for (const char c : {' ', '\n', '\t', '\f', '\r', '/', '>', '\0'}) {
            tag[static_cast<unsigned char>(c)] = attribute[static_cast<unsigned char>(c)] = true;
        }
        attribute['='] = true;
    }
};
inline constexpr name_stops stops;

// A run of name bytes: where it ends, and whether it holds an uppercase ASCII letter (most
// names have none, and then need no lowercased copy).
struct name_run {
    const char* end;
    bool upper;
};

// The run of name bytes at `p`. Names are short and end unpredictably, so a byte loop pays a
// mispredicted branch per name; with SSE2 (every x86-64) 16 bytes are looked at together:
// each byte that could stop the run (at most 0x20, '/', '>', '=') is a candidate, and the
// table decides (a control byte, or '=' in a tag name, does not stop it). The same vectors
// tell where the uppercase letters are.
inline name_run read_name_run(const char* p, const char* end, const std::array<bool, 256>& stop) noexcept
{
    bool upper = false;
#if defined(__SSE2__)
    const __m128i space = _mm_set1_epi8(0x20);
    const __m128i slash = _mm_set1_epi8('/');
    const __m128i gt = _mm_set1_epi8('>');
    const __m128i eq = _mm_set1_epi8('=');
    // 'A'..'Z' moved to the bottom of the signed range: one signed comparison finds them.
    const __m128i to_bottom = _mm_set1_epi8(static_cast<char>(0x80 - 'A'));
    const __m128i past_z = _mm_set1_epi8(static_cast<char>(0x80 + 26));
    while (end - p >= 16) {
        const __m128i v = _mm_loadu_si128(static_cast<const __m128i*>(static_cast<const void*>(p)));
        const __m128i low = _mm_cmpeq_epi8(_mm_min_epu8(v, space), v); // unsigned v <= 0x20
        const __m128i marks =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, slash), _mm_cmpeq_epi8(v, gt)), _mm_cmpeq_epi8(v, eq));
        const auto uppers =
            static_cast<unsigned>(_mm_movemask_epi8(_mm_cmplt_epi8(_mm_add_epi8(v, to_bottom), past_z)));
        auto candidates = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(low, marks)));
        while (candidates != 0) {
            const int at = std::countr_zero(candidates);
            if (stop[static_cast<unsigned char>(p[at])]) {
                return {p + at, upper || (uppers & ((1U << at) - 1)) != 0};
            }
            candidates &= candidates - 1;
        }
        upper = upper || uppers != 0;
        p += 16;
    }
#endif
    while (p != end && !stop[static_cast<unsigned char>(*p)]) {
        upper = upper || is_upper(*p);
        ++p;
    }
    return {p, upper};
}

inline const char* name_run_end(const char* p, const char* end, const std::array<bool, 256>& stop) noexcept
{
    return read_name_run(p, end, stop).end;
}

inline void append_lower(std::string& out, const char* p, const char* end)
{
    // Most names are a few bytes long: appended byte by byte, they cost less than resize(),
    // which zero-fills through a memset call before the bytes are written.
    constexpr std::ptrdiff_t short_name = 16;
    if (end - p <= short_name) {
        for (; p != end; ++p) {
            out.push_back(lower(*p));
        }
        return;
    }
    const std::size_t from = out.size();
    out.resize(from + static_cast<std::size_t>(end - p));
    char* to = out.data() + from;
    while (p != end) {
        *to++ = lower(*p++);
    }
}

inline const char* skip_spaces(const char* p, const char* end) noexcept
{
    while (p != end && is_space(*p)) {
        ++p;
    }
    return p;
}

} // namespace crawl::extract
