#include "byte_scan.hpp"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#define CRAWL_SCAN_X86 1
#else
#define CRAWL_SCAN_X86 0
#endif

namespace crawl::extract::scan {
namespace {

constexpr std::uint64_t ones = 0x0101010101010101ULL;
constexpr std::uint64_t lows = 0x7F7F7F7F7F7F7F7FULL;

// The high bit of each byte of `w` that is zero, and no other bit. Exact (no false positive
// from a borrow, unlike the shorter (w - ones) & ~w & highs), so the lowest set bit is the
// first match even when several bytes match.
constexpr std::uint64_t zero_bytes(std::uint64_t w) noexcept
{
    return ~(((w & lows) + lows) | w | lows);
}

const char* find_scalar(const char* p, const char* end, char a, char b, char c) noexcept
{
    while (p < end && *p != a && *p != b && *p != c) {
        ++p;
    }
    return p;
}

const char* find_portable(const char* p, const char* end, char a, char b, char c) noexcept
{
    const std::uint64_t wa = ones * static_cast<unsigned char>(a);
    const std::uint64_t wb = ones * static_cast<unsigned char>(b);
    const std::uint64_t wc = ones * static_cast<unsigned char>(c);
    while (end - p >= 8) {
        std::uint64_t w = 0;
        std::memcpy(&w, p, 8);
        const std::uint64_t hits = zero_bytes(w ^ wa) | zero_bytes(w ^ wb) | zero_bytes(w ^ wc);
        if (hits != 0) {
            // Little endian: the lowest set bit belongs to the first byte that matched.
            return p + std::countr_zero(hits) / 8;
        }
        p += 8;
    }
    return find_scalar(p, end, a, b, c);
}

#if CRAWL_SCAN_X86
// Whole vectors only: reading past `end` would be reading another object's bytes (ASan says
// so), and the few bytes after the last whole vector take the portable path.
__attribute__((target("avx2"))) const char* find_avx2(const char* p, const char* end, char a, char b,
                                                       char c) noexcept
{
    const __m256i va = _mm256_set1_epi8(a);
    const __m256i vb = _mm256_set1_epi8(b);
    const __m256i vc = _mm256_set1_epi8(c);
    while (end - p >= 32) {
        const __m256i v = _mm256_loadu_si256(static_cast<const __m256i*>(static_cast<const void*>(p)));
        const __m256i hit = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v, va), _mm256_cmpeq_epi8(v, vb)),
                                            _mm256_cmpeq_epi8(v, vc));
        const auto mask = static_cast<std::uint32_t>(_mm256_movemask_epi8(hit));
        if (mask != 0) {
            return p + std::countr_zero(mask);
        }
        p += 32;
    }
    return find_portable(p, end, a, b, c);
}

__attribute__((target("avx512f,avx512bw"))) const char* find_avx512(const char* p, const char* end, char a,
                                                                      char b, char c) noexcept
{
    const __m512i va = _mm512_set1_epi8(a);
    const __m512i vb = _mm512_set1_epi8(b);
    const __m512i vc = _mm512_set1_epi8(c);
    while (end - p >= 64) {
        const __m512i v = _mm512_loadu_si512(p);
        const std::uint64_t mask =
            _mm512_cmpeq_epi8_mask(v, va) | _mm512_cmpeq_epi8_mask(v, vb) | _mm512_cmpeq_epi8_mask(v, vc);
        if (mask != 0) {
            return p + std::countr_zero(mask);
        }
        p += 64;
    }
    return find_avx2(p, end, a, b, c);
}
#endif

struct cpu_support {
    std::array<kind, 3> kinds{};
    std::size_t count = 0;
};

const cpu_support& cpu()
{
    static const cpu_support s = [] {
        cpu_support r;
        r.kinds[r.count++] = kind::portable;
#if CRAWL_SCAN_X86
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx2")) {
            r.kinds[r.count++] = kind::avx2;
            if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) {
                r.kinds[r.count++] = kind::avx512;
            }
        }
#endif
        return r;
    }();
    return s;
}

find_fn function_of(kind k) noexcept
{
    switch (k) {
#if CRAWL_SCAN_X86
    case kind::avx2:
        return &find_avx2;
    case kind::avx512:
        return &find_avx512;
#else
    case kind::avx2:
    case kind::avx512:
#endif
    case kind::portable:
        break;
    }
    return &find_portable;
}

kind active_kind = kind::portable;

} // namespace

namespace detail {
find_fn active_find = &find_portable;
} // namespace detail

namespace {

// The widest kind up to AVX2, chosen before main() so that find_any() never branches on it.
// AVX2 rather than AVX-512 by default: the runs between the bytes that matter are mostly
// shorter than 64 bytes, so the wider step rarely pays (crawl-micro measures both).
[[maybe_unused]] const bool default_chosen = [] {
    use(supported(kind::avx2) ? kind::avx2 : kind::portable);
    return true;
}();

} // namespace

kind active() noexcept
{
    return active_kind;
}

bool supported(kind k) noexcept
{
    for (std::size_t i = 0; i < cpu().count; ++i) {
        if (cpu().kinds[i] == k) {
            return true;
        }
    }
    return false;
}

bool use(kind k) noexcept
{
    if (!supported(k)) {
        return false;
    }
    active_kind = k;
    detail::active_find = function_of(k);
    return true;
}

std::span<const kind> supported_kinds() noexcept
{
    return {cpu().kinds.data(), cpu().count};
}

std::string_view name(kind k) noexcept
{
    switch (k) {
    case kind::avx2:
        return "avx2";
    case kind::avx512:
        return "avx512";
    case kind::portable:
        break;
    }
    return "portable";
}

} // namespace crawl::extract::scan
