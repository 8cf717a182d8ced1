#include "crawl/decode/inflater.hpp"

#include "crawl/util/text.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <new>
#include <string>

namespace crawl::decode {
namespace {

constexpr std::size_t chunk_size = 16 * 1024;

// Input kept for the raw-deflate restart is bounded: a zlib stream that has produced no
// output after this much input is not going to turn into raw deflate either.
constexpr std::size_t max_probe = 64 * 1024;

constexpr unsigned char gzip_magic0 = 0x1f;
constexpr unsigned char gzip_magic1 = 0x8b;

} // namespace

std::optional<coding> parse_content_encoding(std::string_view header)
{
    const std::string_view v = text::trim(header);
    if (v.empty() || text::iequals(v, "identity")) {
        return coding::identity;
    }
    if (text::iequals(v, "gzip") || text::iequals(v, "x-gzip")) {
        return coding::gzip;
    }
    if (text::iequals(v, "deflate")) {
        return coding::deflate;
    }
    return std::nullopt;
}

struct inflater::state {
    coding kind;
    std::uint64_t max_decoded;
    sink out;

    z_stream zs{};
    bool zs_ready = false;
    status st = status::ok;
    std::uint64_t decoded = 0;
    bool any_input = false;
    bool stream_end = false;   // the current gzip member / zlib stream reached Z_STREAM_END
    bool ignore_rest = false;  // input after the end is trailing garbage (ignored, like browsers)
    bool magic_pending = false; // gzip: one byte 0x1f seen after a member, the next decides
    bool probing = false;      // deflate: still allowed to restart as raw deflate
    std::string probe;         // deflate: earlier input fed while probing
    std::array<char, chunk_size> buf{};

    state(coding c, std::uint64_t max, sink s) : kind(c), max_decoded(max), out(std::move(s))
    {
        if (kind == coding::identity) {
            return;
        }
        // gzip: 16 + window bits selects the gzip wrapper; deflate starts with the zlib
        // wrapper, as RFC 9110 says, and may fall back to raw deflate.
        const int window_bits = kind == coding::gzip ? 16 + MAX_WBITS : MAX_WBITS;
        if (inflateInit2(&zs, window_bits) != Z_OK) {
            throw std::bad_alloc();
        }
        zs_ready = true;
        probing = kind == coding::deflate;
    }

    ~state()
    {
        if (zs_ready) {
            inflateEnd(&zs);
        }
    }

    state(const state&) = delete;
    state& operator=(const state&) = delete;

    // Hands `n` bytes to the sink, clipped at the cap. False once the cap is exceeded.
    bool deliver(const char* p, std::size_t n)
    {
        if (n == 0) {
            return true;
        }
        const std::uint64_t room = max_decoded - decoded;
        if (n > room) {
            if (room > 0) {
                out(std::string_view(p, static_cast<std::size_t>(room)));
            }
            decoded = max_decoded;
            st = status::too_large;
            return false;
        }
        out(std::string_view(p, n));
        decoded += n;
        return true;
    }

    status feed_identity(std::string_view in)
    {
        while (!in.empty()) {
            const std::size_t n = std::min(in.size(), chunk_size);
            if (!deliver(in.data(), n)) {
                return st;
            }
            in.remove_prefix(n);
        }
        return st;
    }

    // What one inflate pass over some input ended with.
    enum class pass { ok, data_error_before_output };

    // Runs inflate over `in` until it is consumed or decoding stops. Handles member ends,
    // gzip concatenation and trailing garbage; sets `st` on failure.
    pass inflate_all(std::string_view in)
    {
        while (!in.empty() && st == status::ok && !ignore_rest) {
            if (stream_end) {
                in = start_next_member(in);
                continue;
            }
            zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
            // Feed at most what uInt holds; the loop comes back for the rest.
            const std::size_t take = std::min<std::size_t>(in.size(), 1u << 30);
            zs.avail_in = static_cast<uInt>(take);
            const int rc = inflate_member();
            in.remove_prefix(take - zs.avail_in);
            if (rc == Z_DATA_ERROR && probing && zs.total_out == 0) {
                return pass::data_error_before_output;
            }
            // Z_BUF_ERROR only means "no progress"; with input left over that would loop
            // forever, so it counts as a broken stream.
            const bool stuck = rc == Z_BUF_ERROR && zs.avail_in != 0;
            if ((rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) || stuck) {
                if (st == status::ok) {
                    st = status::corrupt;
                }
                return pass::ok;
            }
        }
        return pass::ok;
    }

    // Inflates the input set in `zs` into the output chunk until the input is used up, the
    // member ends, the cap is hit or zlib reports an error. Returns zlib's last code.
    int inflate_member()
    {
        for (;;) {
            zs.next_out = reinterpret_cast<Bytef*>(buf.data());
            zs.avail_out = static_cast<uInt>(buf.size());
            const int rc = inflate(&zs, Z_NO_FLUSH);
            const std::size_t produced = buf.size() - zs.avail_out;
            if (produced > 0) {
                probing = false;
                probe = std::string(); // release it: the zlib wrapper is confirmed
            }
            if (!deliver(buf.data(), produced)) {
                return Z_OK;
            }
            if (rc == Z_STREAM_END) {
                stream_end = true;
                probing = false;
                // Only gzip has members; anything after a zlib or raw stream is ignored.
                ignore_rest = kind != coding::gzip;
                return rc;
            }
            if (rc != Z_OK) {
                return rc;
            }
            // Z_OK with a full output chunk may have more output pending for this input.
            if (zs.avail_in == 0 && zs.avail_out != 0) {
                return rc;
            }
        }
    }

    // After a gzip member: a new member must start with the gzip magic; anything else is
    // trailing garbage, which browsers ignore and so do we. Returns the input left to
    // inflate (empty when it was all consumed here).
    std::string_view start_next_member(std::string_view in)
    {
        const auto byte = [](char c) { return static_cast<unsigned char>(c); };
        if (magic_pending) {
            magic_pending = false;
            if (byte(in[0]) != gzip_magic1) {
                ignore_rest = true;
                return {};
            }
            // The 0x1f went by in an earlier feed: hand it to zlib on its own first.
            reset_member();
            static constexpr char first[1] = {static_cast<char>(gzip_magic0)};
            inflate_all(std::string_view(first, 1));
            return in;
        }
        if (byte(in[0]) != gzip_magic0 || (in.size() > 1 && byte(in[1]) != gzip_magic1)) {
            ignore_rest = true;
            return {};
        }
        if (in.size() == 1) {
            magic_pending = true;
            return {};
        }
        reset_member();
        return in;
    }

    void reset_member()
    {
        inflateReset(&zs);
        stream_end = false;
    }

    // Restarts a deflate body as raw deflate and replays everything fed so far.
    void restart_raw(std::string_view current)
    {
        probing = false;
        if (inflateReset2(&zs, -MAX_WBITS) != Z_OK) {
            st = status::corrupt;
            return;
        }
        const std::string earlier = std::move(probe);
        probe = std::string();
        inflate_all(earlier);
        inflate_all(current);
    }

    status feed(std::string_view in)
    {
        if (st != status::ok) {
            return st;
        }
        if (!in.empty()) {
            any_input = true;
        }
        if (kind == coding::identity) {
            return feed_identity(in);
        }
        if (inflate_all(in) == pass::data_error_before_output) {
            restart_raw(in);
            return st;
        }
        if (probing && st == status::ok) {
            // No output yet: keep this input in case the zlib header turns out wrong later.
            if (probe.size() + in.size() <= max_probe) {
                probe.append(in);
            } else {
                probing = false;
                probe = std::string();
            }
        }
        return st;
    }

    status finish()
    {
        if (st != status::ok) {
            return st;
        }
        // An empty body has nothing to decode (servers label empty 204/304 bodies gzip too).
        if (kind == coding::identity || !any_input || stream_end) {
            return st;
        }
        st = status::truncated;
        return st;
    }
};

inflater::inflater(coding c, std::uint64_t max_decoded, sink out)
    : state_(std::make_unique<state>(c, max_decoded, std::move(out)))
{
}

inflater::~inflater() = default;
inflater::inflater(inflater&&) noexcept = default;
inflater& inflater::operator=(inflater&&) noexcept = default;

status inflater::feed(std::string_view encoded)
{
    return state_->feed(encoded);
}

status inflater::finish()
{
    return state_->finish();
}

std::uint64_t inflater::decoded_bytes() const noexcept
{
    return state_->decoded;
}

} // namespace crawl::decode
