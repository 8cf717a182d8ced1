// zstd through libzstd (RFC 8878): one or more frames, skippable frames included, checksums
// checked. A frame asking for a window over 8 MiB (RFC 9659's bound for the content coding) is
// refused before anything is allocated for it: libzstd's own default bound is 128 MiB, and a
// single-segment frame's window is its declared content size, which a hostile header sets to
// anything.

#include "codec.hpp"

#include <zstd.h>
#include <zstd_errors.h>

#include <array>
#include <new>

namespace crawl::decode::detail {
namespace {

class zstd_codec final : public codec {
public:
    zstd_codec() : stream_(ZSTD_createDStream())
    {
        if (stream_ == nullptr ||
            ZSTD_isError(ZSTD_DCtx_setParameter(stream_, ZSTD_d_windowLogMax, zstd_max_window_log)) != 0) {
            ZSTD_freeDStream(stream_);
            throw std::bad_alloc();
        }
    }

    ~zstd_codec() override { ZSTD_freeDStream(stream_); }

    zstd_codec(const zstd_codec&) = delete;
    zstd_codec& operator=(const zstd_codec&) = delete;

    // Decoding and handing out take turns. A call that reads input gets no room for output:
    // it decodes at most the next block into libzstd's own buffer (a frame never goes through
    // libzstd's one-shot path, which checks the checksum, and not the window, before writing
    // anything). Calls with no input then hand that block out. libzstd forgets the output of a
    // call that fails, and only calls that read input can fail, so every block before a corrupt
    // one is delivered, and the same bytes come out however the body was split.
    status feed(std::string_view in, const emit& out) override
    {
        ZSTD_inBuffer input{in.data(), in.size(), 0};
        while (input.pos < input.size) {
            ZSTD_outBuffer no_room{buf_.data(), 0, 0};
            if (const status st = call(no_room, input); st != status::ok) {
                return st;
            }
            if (const status st = hand_out(out); st != status::ok) {
                return st;
            }
        }
        return status::ok;
    }

    [[nodiscard]] bool complete() const noexcept override { return !in_frame_; }

    [[nodiscard]] std::string problem() const override
    {
        if (error_ == ZSTD_error_frameParameter_windowTooLarge) {
            return "the frame needs a window over " + std::to_string((1u << zstd_max_window_log) >> 20) + " MiB";
        }
        return ZSTD_getErrorString(error_);
    }

private:
    status call(ZSTD_outBuffer& output, ZSTD_inBuffer& input)
    {
        const std::size_t rc = ZSTD_decompressStream(stream_, &output, &input);
        if (ZSTD_isError(rc) != 0) {
            error_ = ZSTD_getErrorCode(rc);
            return status::corrupt;
        }
        // 0: a frame is decoded and handed out; anything else: the frame goes on.
        in_frame_ = rc != 0;
        return status::ok;
    }

    // Hands out what the frame has decoded, a chunk at a time, until a chunk is not full.
    status hand_out(const emit& out)
    {
        ZSTD_inBuffer nothing{nullptr, 0, 0};
        while (in_frame_) {
            ZSTD_outBuffer output{buf_.data(), buf_.size(), 0};
            if (const status st = call(output, nothing); st != status::ok) {
                return st;
            }
            if (output.pos > 0) {
                if (const status st = out(std::string_view(buf_.data(), output.pos)); st != status::ok) {
                    return st;
                }
            }
            if (output.pos < output.size) {
                break;
            }
        }
        return status::ok;
    }

    ZSTD_DStream* stream_;
    bool in_frame_ = false;
    ZSTD_ErrorCode error_ = ZSTD_error_no_error;
    std::array<char, chunk_size> buf_{};
};

} // namespace

std::unique_ptr<codec> make_zstd_codec()
{
    return std::make_unique<zstd_codec>();
}

} // namespace crawl::decode::detail
