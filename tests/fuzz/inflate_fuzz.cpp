// Fuzz target: the zlib codings (gzip, deflate) and identity of decode::decoder on arbitrary
// bytes, fed in arbitrary pieces.
// Input: u8 coding (mod 3: identity, gzip, deflate), u8 cap exponent (cap = 2^(n mod 21)
// bytes), u16 split seed, then the encoded body.
// Checks: status and decoded bytes do not depend on the split; output never exceeds the cap
// and arrives in chunks of at most 16 KiB; the payload compressed by zlib (in the wrapping
// the coding names; for deflate, raw deflate too) decodes back to itself.

#include "decode_runs.hpp"
#include "support/encoder.hpp"

using namespace crawl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::input in(data, size);
    const auto c = static_cast<decode::coding>(in.byte() % 3);
    const std::uint64_t cap = std::uint64_t{1} << (in.byte() % 21);
    const auto seed = in.u16();
    const auto body = in.rest();

    const std::span<const decode::coding> applied(&c, 1);
    const auto at_once = fuzz::decode_whole_and_split(applied, cap, body, seed);
    if (c == decode::coding::identity) {
        fuzz::check(at_once.output == body.substr(0, cap), "identity changed the bytes");
        return 0;
    }
    // Round trip: what zlib writes in this coding's wrapping must come back unchanged.
    const auto wrapping = c == decode::coding::gzip ? test::wrapping::gzip : test::wrapping::zlib;
    fuzz::check_round_trip(applied, test::encode(wrapping, body), body, seed, "zlib's own output did not inflate");
    if (c == decode::coding::deflate) { // the raw deflate servers send instead
        fuzz::check_round_trip(applied, test::encode(test::wrapping::raw_deflate, body), body, seed,
                               "raw deflate did not round-trip");
    }
    return 0;
}
