#pragma once
// The synthetic web's only source of variety: splitmix64 over the web's seed and a resource's
// coordinates, so any page's links, size and title are computed alone, in any order, and are
// the same in every process.

#include <cstdint>
#include <initializer_list>

namespace crawl::test::web {

[[nodiscard]] constexpr std::uint64_t splitmix(std::uint64_t x) noexcept
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/// A hash of several numbers (order matters).
[[nodiscard]] constexpr std::uint64_t mix(std::initializer_list<std::uint64_t> parts) noexcept
{
    std::uint64_t h = 0x243f6a8885a308d3ULL;
    for (const std::uint64_t p : parts) {
        h = splitmix(h ^ p);
    }
    return h;
}

/// A stream of numbers from one starting hash.
class rng {
public:
    explicit constexpr rng(std::uint64_t state) noexcept : state_(state) {}

    constexpr std::uint64_t next() noexcept
    {
        state_ += 0x9e3779b97f4a7c15ULL;
        return splitmix(state_);
    }
    /// Uniform in [0, n); 0 when n is 0.
    constexpr std::uint32_t below(std::uint64_t n) noexcept
    {
        return n == 0 ? 0 : static_cast<std::uint32_t>(next() % n);
    }
    /// True with probability percent/100.
    constexpr bool percent(unsigned percent) noexcept { return below(100) < percent; }

private:
    std::uint64_t state_;
};

} // namespace crawl::test::web
