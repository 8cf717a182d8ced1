#pragma once
// What the decoder fuzz targets (inflate, brotli, zstd) share: a decode of a body fed in given
// pieces, with the checks every decode must pass (chunks of at most chunk_size, nothing over
// the cap, decoded_bytes() true), and the two properties each target checks for its codings:
// the same result however the body is split, and a real encoder's output decoding back to
// what it encoded.

#include "crawl/decode/decoder.hpp"
#include "fuzz_input.hpp"

#include <span>
#include <string>
#include <vector>

namespace crawl::fuzz {

struct decode_run {
    decode::status status = decode::status::ok;
    std::string output;
};

inline decode_run decode_pieces(std::span<const decode::coding> applied, std::uint64_t cap,
                                const std::vector<std::string_view>& pieces)
{
    decode_run r;
    decode::decoder dec(applied, cap, [&](std::string_view bytes) {
        check(bytes.size() <= decode::chunk_size, "a decoded chunk over chunk_size");
        r.output.append(bytes);
    });
    for (const auto piece : pieces) {
        r.status = dec.feed(piece);
        if (r.status != decode::status::ok) {
            break;
        }
    }
    if (r.status == decode::status::ok) {
        r.status = dec.finish();
    }
    check(dec.decoded_bytes() == r.output.size(), "decoded_bytes() differs from what the sink got");
    check(r.output.size() <= cap, "decoded output over the cap");
    check((r.status == decode::status::ok) == (dec.error().cls == error_class::none), "error() disagrees with the status");
    return r;
}

/// Decodes `body` whole and in the pieces `seed` cuts; both must give the same status and
/// bytes. Returns the whole run.
inline decode_run decode_whole_and_split(std::span<const decode::coding> applied, std::uint64_t cap,
                                         std::string_view body, std::uint16_t seed)
{
    const std::vector<std::string_view> whole{body};
    auto at_once = decode_pieces(applied, cap, whole);
    const auto in_pieces = decode_pieces(applied, cap, split(body, seed));
    check(at_once.status == in_pieces.status, "status depends on how the body was split");
    check(at_once.output == in_pieces.output, "output depends on how the body was split");
    return at_once;
}

/// `encoded`, what a real encoder made of `plain` in the codings `applied`, must decode back
/// to `plain` (fed in the pieces `seed` cuts, under a cap it just fits).
inline void check_round_trip(std::span<const decode::coding> applied, std::string_view encoded,
                             std::string_view plain, std::uint16_t seed, const char* what)
{
    const auto back = decode_pieces(applied, plain.size(), split(encoded, seed));
    if (back.status != decode::status::ok || back.output != plain) {
        broken(what);
    }
}

} // namespace crawl::fuzz
