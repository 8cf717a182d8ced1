// Fuzz target: the zlib codings (gzip, deflate) and identity of decode::decoder on arbitrary
// bytes, fed in arbitrary pieces.
// Input: u8 coding (mod 3: identity, gzip, deflate), u8 cap exponent (cap = 2^(n mod 21)
// bytes), u16 split seed, then the encoded body.
// Checks: status and decoded bytes do not depend on the split; output never exceeds the cap
// and arrives in chunks of at most 16 KiB; the payload compressed by zlib (in the wrapping
// the coding names; for deflate, raw deflate too) decodes back to itself; a gzip body the
// whole-body path (libdeflate) accepts decodes to the bytes zlib alone gives.

#include "decode/gzip_whole.hpp"
#include "decode_runs.hpp"
#include "support/encoder.hpp"
#include "support/gzip_member.hpp"

#include <string>

using namespace crawl;

namespace {

// The body as zlib alone reads it: the members, then bytes that do not start one (ignored);
// `whole` is false when zlib stopped at an error, after handing over `bytes`.
struct zlib_reading {
    std::string bytes;
    bool whole = true;
};

zlib_reading zlib_members(std::string_view body)
{
    zlib_reading r;
    bool want_member = true;
    while (want_member || (body.size() >= 2 && body[0] == '\x1f' && body[1] == '\x8b')) {
        std::size_t used = 0;
        if (!test::inflate_gzip_member_into(body, used, r.bytes)) {
            r.whole = false;
            return r;
        }
        body.remove_prefix(used);
        want_member = false;
    }
    return r;
}

// libdeflate never changes a byte zlib delivers. It does finish a few streams zlib abandons
// (Huffman tables zlib's decoder refuses, the CRC-32 still matching): then zlib's bytes up
// to its error are the start of libdeflate's.
void check_whole_body_path(std::string_view body)
{
    std::string whole;
    const auto took = decode::detail::inflate_whole_gzip(body, [&](std::string_view piece) {
        fuzz::check(piece.size() <= decode::chunk_size, "a whole-body chunk over chunk_size");
        whole += piece;
        return decode::status::ok;
    });
    if (!took) {
        fuzz::check(whole.empty(), "the whole-body path refused a body after handing bytes over");
        return;
    }
    const zlib_reading by_zlib = zlib_members(body);
    if (by_zlib.whole) {
        fuzz::check(by_zlib.bytes == whole, "libdeflate and zlib decode a gzip body differently");
    } else {
        fuzz::check(whole.starts_with(by_zlib.bytes), "libdeflate's bytes differ from those zlib gave before its error");
    }
}

} // namespace

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
    if (c == decode::coding::gzip) {
        check_whole_body_path(body);
        check_whole_body_path(test::encode(test::wrapping::gzip, body));
    }
    if (c == decode::coding::deflate) { // the raw deflate servers send instead
        fuzz::check_round_trip(applied, test::encode(test::wrapping::raw_deflate, body), body, seed,
                               "raw deflate did not round-trip");
    }
    return 0;
}
