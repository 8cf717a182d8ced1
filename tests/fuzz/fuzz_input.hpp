#pragma once
// What every fuzz target shares: reading parameters off the front of the input, and cutting
// the rest into pieces at input-chosen points (to check that a streaming parser's output does
// not depend on where its input was split).
//
// Input layout of every target: a few parameter bytes (documented per target), then the
// payload. A missing parameter byte reads as 0.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string_view>
#include <vector>

namespace crawl::fuzz {

class input {
public:
    input(const std::uint8_t* data, std::size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}

    /// The next parameter byte (0 once the input is exhausted).
    std::uint8_t byte() noexcept
    {
        if (rest_.empty()) {
            return 0;
        }
        const auto b = static_cast<std::uint8_t>(rest_.front());
        rest_.remove_prefix(1);
        return b;
    }

    /// Two parameter bytes, little endian.
    std::uint16_t u16() noexcept
    {
        const std::uint16_t lo = byte();
        return static_cast<std::uint16_t>(lo | (byte() << 8));
    }

    /// The next `n` bytes (fewer at the end of the input).
    std::string_view take(std::size_t n) noexcept
    {
        const auto taken = rest_.substr(0, n);
        rest_.remove_prefix(taken.size());
        return taken;
    }

    /// Everything not consumed as parameters.
    [[nodiscard]] std::string_view rest() const noexcept { return rest_; }

private:
    std::string_view rest_;
};

/// Piece sizes that cover `total` bytes, drawn from `seed`: the low bits pick how small the
/// pieces tend to be (single bytes up to a few KiB), the rest seed a splitmix64 generator.
inline std::vector<std::size_t> split_sizes(std::uint16_t seed, std::size_t total)
{
    static constexpr std::size_t max_piece[] = {1, 2, 7, 64, 511, 4096, 65536, 1 << 20};
    const std::size_t cap = max_piece[seed & 7];
    std::uint64_t state = seed >> 3;
    std::vector<std::size_t> sizes;
    std::size_t covered = 0;
    while (covered < total) {
        state += 0x9e3779b97f4a7c15ULL;
        std::uint64_t z = state;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        const std::size_t piece = 1 + static_cast<std::size_t>(z % cap);
        sizes.push_back(piece);
        covered += piece;
    }
    return sizes;
}

/// `data` cut into pieces of split_sizes(seed, data.size()) (the last one shortened).
inline std::vector<std::string_view> split(std::string_view data, std::uint16_t seed)
{
    std::vector<std::string_view> pieces;
    for (const std::size_t n : split_sizes(seed, data.size())) {
        pieces.push_back(data.substr(0, n));
        data.remove_prefix(std::min(n, data.size()));
    }
    return pieces;
}

/// A broken invariant: print what broke and abort, so libFuzzer keeps the input as a crash.
[[noreturn]] inline void broken(const char* what)
{
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
}

/// Aborts with `what` unless `condition` holds.
inline void check(bool condition, const char* what)
{
    if (!condition) {
        broken(what);
    }
}

} // namespace crawl::fuzz
