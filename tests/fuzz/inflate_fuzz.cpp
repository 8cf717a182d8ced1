// Fuzz target: the streaming inflater (decode::inflater) on arbitrary bytes labelled gzip,
// deflate or identity, fed in arbitrary pieces.
// Input: u8 coding (mod 3: identity, gzip, deflate), u8 cap exponent (cap = 2^(n mod 21)
// bytes), u16 split seed, then the encoded body.
// Checks: status and decoded bytes do not depend on the split; output never exceeds the cap
// and arrives in chunks of at most 16 KiB; the payload compressed by zlib (in the wrapping
// the coding names) inflates back to itself.

#include "crawl/decode/inflater.hpp"
#include "fuzz_input.hpp"

#include <zlib.h>

#include <string>
#include <vector>

namespace {

using namespace crawl;

struct run {
    decode::status status = decode::status::ok;
    std::string output;
    std::uint64_t decoded = 0;
};

run inflate(decode::coding c, std::uint64_t cap, const std::vector<std::string_view>& pieces)
{
    run r;
    decode::inflater inf(c, cap, [&](std::string_view bytes) {
        fuzz::check(bytes.size() <= 16 * 1024, "a decoded chunk over 16 KiB");
        r.output.append(bytes);
    });
    for (const auto piece : pieces) {
        r.status = inf.feed(piece);
        if (r.status != decode::status::ok) {
            break;
        }
    }
    if (r.status == decode::status::ok) {
        r.status = inf.finish();
    }
    r.decoded = inf.decoded_bytes();
    fuzz::check(r.decoded == r.output.size(), "decoded_bytes() differs from what the sink got");
    fuzz::check(r.decoded <= cap, "decoded output over the cap");
    return r;
}

std::string compress(std::string_view data, int window_bits)
{
    z_stream zs{};
    fuzz::check(deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) == Z_OK,
                "deflateInit2");
    std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    fuzz::check(deflate(&zs, Z_FINISH) == Z_STREAM_END, "deflate did not finish");
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::input in(data, size);
    const auto c = static_cast<decode::coding>(in.byte() % 3);
    const std::uint64_t cap = std::uint64_t{1} << (in.byte() % 21);
    const auto seed = in.u16();
    const auto body = in.rest();

    const std::vector<std::string_view> whole{body};
    const auto at_once = inflate(c, cap, whole);
    const auto in_pieces = inflate(c, cap, fuzz::split(body, seed));
    fuzz::check(at_once.status == in_pieces.status, "status depends on how the body was split");
    fuzz::check(at_once.output == in_pieces.output, "output depends on how the body was split");
    if (c == decode::coding::identity) {
        fuzz::check(at_once.output == body.substr(0, cap), "identity changed the bytes");
    }

    // Round trip: what zlib writes in this coding's wrapping must come back unchanged.
    if (c != decode::coding::identity) {
        const auto encoded = compress(body, c == decode::coding::gzip ? 31 : 15);
        const auto back = inflate(c, body.size() + 1, fuzz::split(encoded, seed));
        fuzz::check(back.status == decode::status::ok, "zlib's own output did not inflate");
        fuzz::check(back.output == body, "zlib's own output inflated to other bytes");
        if (c == decode::coding::deflate) { // the raw deflate servers send instead
            const auto raw = inflate(c, body.size() + 1, fuzz::split(compress(body, -15), seed));
            fuzz::check(raw.status == decode::status::ok && raw.output == body, "raw deflate did not round-trip");
        }
    }
    return 0;
}
