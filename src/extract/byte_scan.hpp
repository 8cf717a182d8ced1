#pragma once
// Finding the next byte that matters in a run of HTML: the tokenizer skips text, attribute
// values and comments up to one of at most three bytes ('<', '&', NUL, a closing quote, '-').
// Three implementations with the same result: AVX2 and AVX-512BW (32 and 64 bytes per step),
// chosen at run time when the CPU has them, and a portable word-at-a-time one (8 bytes per
// step) for every other machine. Nothing here needs -mavx2: the wide ones are compiled for
// their instruction sets function by function.

#include <span>
#include <string_view>

namespace crawl::extract::scan {

/// The first byte in [p, end) equal to a, b or c; end if none is.
using find_fn = const char* (*)(const char* p, const char* end, char a, char b, char c) noexcept;

enum class kind { portable, avx2, avx512 };

/// The implementation find_any() uses now: the widest the CPU has, unless use() chose another.
[[nodiscard]] kind active() noexcept;

/// True when this CPU (and this build) can run `k`.
[[nodiscard]] bool supported(kind k) noexcept;

/// Makes find_any() use `k` (tests run every supported kind); false, and no change, when the
/// CPU cannot run it. Not thread-safe: call it before scanning starts.
bool use(kind k) noexcept;

/// The kinds this CPU can run, portable first.
[[nodiscard]] std::span<const kind> supported_kinds() noexcept;

[[nodiscard]] std::string_view name(kind k) noexcept;

namespace detail {
extern find_fn active_find;
} // namespace detail

/// The first byte in [p, end) equal to a, b or c; end if none is.
inline const char* find_any(const char* p, const char* end, char a, char b, char c) noexcept
{
    return detail::active_find(p, end, a, b, c);
}

} // namespace crawl::extract::scan
