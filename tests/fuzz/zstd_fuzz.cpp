// Fuzz target: the zstd decoder (libzstd behind decode::decoder, its window held to 8 MiB),
// alone and as the inner layer of "zstd, br", on arbitrary bytes fed in arbitrary pieces.
// Input: u8 cap exponent (cap = 2^(n mod 21) bytes), u16 split seed, u8 level (1 + n mod 9),
// u8 window (10 + n mod 9 bits: larger windows cost the encoder time, not the decoder paths; the
// unit tests and the seeds cover them up to the 8 MiB crawl accepts), then the body.
// Checks: status and decoded bytes do not depend on the split, as zstd and as "zstd, br";
// output never exceeds the cap and arrives in chunks of at most 16 KiB; the body compressed
// by libzstd in one go (its size in the header) and streamed (the window in the header, level
// 1 to 3), and
// zstd then br, decode back to the body.

#include "decode_runs.hpp"
#include "support/encoder.hpp"

#include <array>

using namespace crawl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::input in(data, size);
    const std::uint64_t cap = std::uint64_t{1} << (in.byte() % 21);
    const auto seed = in.u16();
    const int level = 1 + in.byte() % 9;
    const int window = 10 + in.byte() % 9;
    const auto body = in.rest();

    constexpr std::array zstd{decode::coding::zstd};
    constexpr std::array zstd_br{decode::coding::zstd, decode::coding::br};
    fuzz::decode_whole_and_split(zstd, cap, body, seed);
    fuzz::decode_whole_and_split(zstd_br, cap, body, seed);

    fuzz::check_round_trip(zstd, test::encode(test::wrapping::zstd, body, {level, window}), body, seed,
                           "libzstd's one-shot output did not decode to its input");
    // Streamed, the size unknown, libzstd sizes its match tables for the level alone: 24 MB
    // to clear at level 9. Levels 1 to 3 make the same format with small tables.
    test::encoder streamed(test::wrapping::zstd, {1 + level % 3, window});
    streamed.feed(body);
    fuzz::check_round_trip(zstd, streamed.finish(), body, seed, "libzstd's streamed output did not decode to its input");
    const auto stacked =
        test::encode(test::wrapping::br, test::encode(test::wrapping::zstd, body, {level, window}), {5, window});
    fuzz::check_round_trip(zstd_br, stacked, body, seed, "zstd then br did not decode to the input");
    return 0;
}
