// Fuzz target: the br decoder (libbrotlidec behind decode::decoder), alone and as the outer
// layer of "gzip, br", on arbitrary bytes fed in arbitrary pieces.
// Input: u8 cap exponent (cap = 2^(n mod 21) bytes), u16 split seed, u8 brotli quality (mod 10),
// u8 window (10 + n mod 9 bits: larger windows cost the encoder time, not the decoder paths; the
// unit tests and the seeds cover them), then the body.
// Checks: status and decoded bytes do not depend on the split, as br and as "gzip, br"; output
// never exceeds the cap and arrives in chunks of at most 16 KiB; the body compressed by
// libbrotlienc at that quality and window, and gzip then br, decode back to the body.

#include "decode_runs.hpp"
#include "support/encoder.hpp"

#include <array>

using namespace crawl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::input in(data, size);
    const std::uint64_t cap = std::uint64_t{1} << (in.byte() % 21);
    const auto seed = in.u16();
    const int quality = in.byte() % 10;
    const int window = 10 + in.byte() % 9;
    const auto body = in.rest();

    constexpr std::array br{decode::coding::br};
    constexpr std::array gzip_br{decode::coding::gzip, decode::coding::br};
    fuzz::decode_whole_and_split(br, cap, body, seed);
    fuzz::decode_whole_and_split(gzip_br, cap, body, seed);

    const auto encoded = test::encode(test::wrapping::br, body, {quality, window});
    fuzz::check_round_trip(br, encoded, body, seed, "libbrotlienc's output did not decode to its input");
    const auto stacked = test::encode(test::wrapping::br, test::encode(test::wrapping::gzip, body), {quality, window});
    fuzz::check_round_trip(gzip_br, stacked, body, seed, "gzip then br did not decode to the input");
    return 0;
}
