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

// The end of the run of name bytes at `p`. Names are short and end unpredictably, so a byte
// loop pays a mispredicted branch per name; with SSE2 (every x86-64) 16 bytes are looked at
// together: each byte that could stop the run (at most 0x20, '/', '>', '=') is a candidate,
// and the table decides (a control byte, or '=' in a tag name, does not stop it).
inline const char* name_run_end(const char* p, const char* end, const std::array<bool, 256>& stop) noexcept
{
#if defined(__SSE2__)
    const __m128i space = _mm_set1_epi8(0x20);
    const __m128i slash = _mm_set1_epi8('/');
    const __m128i gt = _mm_set1_epi8('>');
    const __m128i eq = _mm_set1_epi8('=');
    while (end - p >= 16) {
        const __m128i v = _mm_loadu_si128(static_cast<const __m128i*>(static_cast<const void*>(p)));
        const __m128i low = _mm_cmpeq_epi8(_mm_min_epu8(v, space), v); // unsigned v <= 0x20
        const __m128i marks =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, slash), _mm_cmpeq_epi8(v, gt)), _mm_cmpeq_epi8(v, eq));
        auto candidates = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(low, marks)));
        while (candidates != 0) {
            const char* c = p + std::countr_zero(candidates);
            if (stop[static_cast<unsigned char>(*c)]) {
                return c;
            }
            candidates &= candidates - 1;
        }
        p += 16;
    }
#endif
    while (p != end && !stop[static_cast<unsigned char>(*p)]) {
        ++p;
    }
    return p;
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
