#pragma once
// The sets of bytes the URL parser looks for (the percent-encode sets, what ends a component)
// and the scan for the first byte of a set. Links are mostly plain runs of 20-100 bytes that
// contain no byte of the set at all; read byte by byte through a table, those runs were a
// third of resolving a link. With SSE2 (every x86-64) 16 bytes are compared at a time: every
// set here is a range of low bytes, a range of high bytes and a few single bytes, each one
// comparison per vector. Elsewhere the table is read byte by byte.

#include <array>
#include <bit>
#include <cstddef>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace crawl::url::detail {

class byte_set {
public:
    /// The bytes below `below`, those above `above`, and `some`.
    constexpr byte_set(unsigned below, unsigned above, std::string_view some) : below_(below), above_(above)
    {
        for (unsigned c = 0; c < 256; ++c) {
            table_[c] = c < below || c > above;
        }
        add(some);
    }

    /// This set and the bytes of `more`.
    [[nodiscard]] constexpr byte_set with(std::string_view more) const
    {
        byte_set wider = *this;
        wider.add(more);
        return wider;
    }

    [[nodiscard]] constexpr bool contains(char c) const noexcept { return table_[static_cast<unsigned char>(c)]; }

    template <const byte_set& Set>
    friend std::size_t find_first(std::string_view in) noexcept;

private:
    constexpr void add(std::string_view more)
    {
        for (const char c : more) {
            if (!contains(c)) {
                table_[static_cast<unsigned char>(c)] = true;
                some_[count_++] = c; // (a constant expression fails here if some_ is too small)
            }
        }
    }

    std::array<bool, 256> table_{};
    unsigned below_;
    unsigned above_;
    std::array<char, 20> some_{};
    std::size_t count_ = 0;
};

/// The offset of the first byte of `in` in `Set`, or npos.
template <const byte_set& Set>
std::size_t find_first(std::string_view in) noexcept
{
    std::size_t i = 0;
#if defined(__SSE2__)
    for (; in.size() - i >= 16; i += 16) {
        const __m128i v = _mm_loadu_si128(static_cast<const __m128i*>(static_cast<const void*>(in.data() + i)));
        __m128i hits = _mm_setzero_si128();
        if constexpr (Set.below_ > 0) { // v < below, unsigned
            hits = _mm_or_si128(hits, _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(static_cast<char>(Set.below_ - 1))), v));
        }
        if constexpr (Set.above_ < 255) { // v > above, unsigned
            hits = _mm_or_si128(hits, _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(static_cast<char>(Set.above_ + 1))), v));
        }
        for (std::size_t k = 0; k < Set.count_; ++k) {
            hits = _mm_or_si128(hits, _mm_cmpeq_epi8(v, _mm_set1_epi8(Set.some_[k])));
        }
        if (const auto mask = static_cast<unsigned>(_mm_movemask_epi8(hits)); mask != 0) {
            return i + static_cast<std::size_t>(std::countr_zero(mask));
        }
    }
#endif
    for (; i < in.size(); ++i) {
        if (Set.contains(in[i])) {
            return i;
        }
    }
    return std::string_view::npos;
}

} // namespace crawl::url::detail
