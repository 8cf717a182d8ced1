// gzip and deflate through zlib: gzip members may be concatenated; deflate starts with the zlib
// wrapper and falls back to raw deflate when the wrapper turns out wrong. A gzip body that
// arrives whole within whole_gzip_max_input is held and decoded at its end by libdeflate
// (gzip_whole.hpp), which is much faster; zlib streams the rest, and any body libdeflate
// rejects, so errors and partial output stay exactly zlib's.

#include "codec.hpp"
#include "gzip_whole.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <new>
#include <optional>
#include <utility>

namespace crawl::decode::detail {
namespace {

// Input kept for the raw-deflate restart is bounded: a zlib stream that has produced no
// output after this much input is not going to turn into raw deflate either.
constexpr std::size_t max_probe = 64 * 1024;

// The most encoded bytes a gzip body may hold back for the whole-body path: typical pages
// are 10 to 60 KiB gzipped, and 64 fetches in flight then hold at most 16 MiB between them.
constexpr std::size_t whole_gzip_max_input = 256 * 1024;

class zlib_codec final : public codec {
public:
    explicit zlib_codec(coding c) : gzip_(c == coding::gzip), probing_(c == coding::deflate), holding_(gzip_)
    {
        // A gzip body is held for the whole-body path first: zlib is set up only if it streams.
        if (!holding_) {
            open_zlib();
        }
    }

    ~zlib_codec() override
    {
        if (!holding_) { // zlib is open exactly when nothing is held
            inflateEnd(&zs_);
        }
    }

    zlib_codec(const zlib_codec&) = delete;
    zlib_codec& operator=(const zlib_codec&) = delete;

    status feed(std::string_view in, const emit& out) override
    {
        if (holding_) {
            if (held_.size() + in.size() <= whole_gzip_max_input) {
                held_.append(in);
                return status::ok;
            }
            const status st = stream_held(out);
            return st != status::ok ? st : inflate_all(in, out);
        }
        const status st = inflate_all(in, out);
        if (wrong_wrapper_) {
            return restart_raw(in, out);
        }
        if (probing_ && st == status::ok) {
            // No output yet: keep this input in case the zlib header turns out wrong later.
            if (probe_.size() + in.size() <= max_probe) {
                probe_.append(in);
            } else {
                stop_probing();
            }
        }
        return st;
    }

    status finish(const emit& out) override
    {
        if (!holding_ || held_.empty()) {
            return status::ok;
        }
        const std::optional<status> whole = inflate_whole_gzip(held_, out);
        if (!whole) {
            return stream_held(out);
        }
        held_ = std::string(); // release it; holding_ stays: zlib was never needed
        stream_end_ = true;
        return *whole;
    }

    [[nodiscard]] bool complete() const noexcept override { return stream_end_; }

    [[nodiscard]] std::string problem() const override { return problem_; }

private:
    void open_zlib()
    {
        // gzip: 16 + window bits selects the gzip wrapper; deflate starts with the zlib
        // wrapper, as RFC 9110 says, and may fall back to raw deflate.
        if (inflateInit2(&zs_, gzip_ ? 16 + MAX_WBITS : MAX_WBITS) != Z_OK) {
            throw std::bad_alloc();
        }
    }

    // Leaves the whole-body path: what was held goes through zlib, and so does the rest.
    status stream_held(const emit& out)
    {
        holding_ = false;
        open_zlib();
        const std::string held = std::exchange(held_, std::string());
        return inflate_all(held, out);
    }

    // Runs inflate over `in` until it is consumed or decoding stops. Handles member ends,
    // gzip concatenation and trailing garbage.
    status inflate_all(std::string_view in, const emit& out)
    {
        while (!in.empty() && !ignore_rest_) {
            if (stream_end_) {
                if (const status st = start_next_member(in, out); st != status::ok) {
                    return st;
                }
                continue;
            }
            zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
            // Feed at most what uInt holds; the loop comes back for the rest.
            const std::size_t take = std::min<std::size_t>(in.size(), 1u << 30);
            zs_.avail_in = static_cast<uInt>(take);
            int rc = Z_OK;
            const status st = inflate_input(out, rc);
            in.remove_prefix(take - zs_.avail_in);
            if (st != status::ok) {
                return st;
            }
            if (rc == Z_DATA_ERROR && probing_ && zs_.total_out == 0) {
                wrong_wrapper_ = true;
                return status::corrupt;
            }
            // Z_BUF_ERROR only means "no progress"; with input left over that would loop
            // forever, so it counts as a broken stream.
            const bool stuck = rc == Z_BUF_ERROR && zs_.avail_in != 0;
            if ((rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) || stuck) {
                problem_ = zs_.msg != nullptr ? zs_.msg : "zlib error " + std::to_string(rc);
                return status::corrupt;
            }
        }
        return status::ok;
    }

    // Inflates the input set in `zs_` chunk by chunk until the input is used up, the member
    // ends, `out` says stop or zlib reports an error (its last code goes to `rc`).
    status inflate_input(const emit& out, int& rc)
    {
        for (;;) {
            zs_.next_out = reinterpret_cast<Bytef*>(buf_.data());
            zs_.avail_out = static_cast<uInt>(buf_.size());
            rc = inflate(&zs_, Z_NO_FLUSH);
            const std::size_t produced = buf_.size() - zs_.avail_out;
            if (produced > 0) {
                stop_probing(); // the zlib wrapper is confirmed
                if (const status st = out(std::string_view(buf_.data(), produced)); st != status::ok) {
                    return st;
                }
            }
            if (rc == Z_STREAM_END) {
                stream_end_ = true;
                stop_probing();
                // Only gzip has members; anything after a zlib or raw stream is ignored.
                ignore_rest_ = !gzip_;
                return status::ok;
            }
            // Z_OK with a full output chunk may have more output pending for this input.
            if (rc != Z_OK || (zs_.avail_in == 0 && zs_.avail_out != 0)) {
                return status::ok;
            }
        }
    }

    // After a gzip member: a new member must start with the gzip magic; anything else is
    // trailing garbage, which browsers ignore and so do we. Consumes from `in` what it
    // handled itself (all of it, for garbage).
    status start_next_member(std::string_view& in, const emit& out)
    {
        const auto byte = [](char c) { return static_cast<unsigned char>(c); };
        if (magic_pending_) {
            magic_pending_ = false;
            if (byte(in[0]) != gzip_magic1) {
                ignore_rest_ = true;
                in = {};
                return status::ok;
            }
            // The 0x1f went by in an earlier feed: hand it to zlib on its own first.
            reset_member();
            static constexpr char first[1] = {static_cast<char>(gzip_magic0)};
            return inflate_all(std::string_view(first, 1), out);
        }
        if (byte(in[0]) != gzip_magic0 || (in.size() > 1 && byte(in[1]) != gzip_magic1)) {
            ignore_rest_ = true;
            in = {};
            return status::ok;
        }
        if (in.size() == 1) {
            magic_pending_ = true;
            in = {};
            return status::ok;
        }
        reset_member();
        return status::ok;
    }

    void reset_member()
    {
        inflateReset(&zs_);
        stream_end_ = false;
    }

    void stop_probing()
    {
        probing_ = false;
        probe_ = std::string(); // release it
    }

    // Restarts a deflate body as raw deflate and replays everything fed so far.
    status restart_raw(std::string_view current, const emit& out)
    {
        wrong_wrapper_ = false;
        const std::string earlier = std::move(probe_);
        stop_probing();
        if (inflateReset2(&zs_, -MAX_WBITS) != Z_OK) {
            return status::corrupt;
        }
        const status st = inflate_all(earlier, out);
        return st != status::ok ? st : inflate_all(current, out);
    }

    z_stream zs_{};
    bool gzip_;
    bool probing_;              // deflate: still allowed to restart as raw deflate
    bool wrong_wrapper_ = false; // deflate: zlib rejected the wrapper before any output
    bool stream_end_ = false;   // the current gzip member / zlib stream reached Z_STREAM_END
    bool ignore_rest_ = false;  // input after the end is trailing garbage (ignored, like browsers)
    bool magic_pending_ = false; // gzip: one byte 0x1f seen after a member, the next decides
    bool holding_;              // gzip: input is held for the whole-body path (zlib not open)
    std::string probe_;         // deflate: earlier input fed while probing
    std::string held_;          // gzip: the input held while holding_
    std::string problem_;
    std::array<char, chunk_size> buf_; // inflate's output; not zeroed (a body on the whole-body path never uses it)
};

} // namespace

std::unique_ptr<codec> make_zlib_codec(coding c)
{
    return std::make_unique<zlib_codec>(c);
}

} // namespace crawl::decode::detail
