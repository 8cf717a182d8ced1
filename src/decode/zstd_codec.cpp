// zstd through libzstd (RFC 8878): one or more frames, skippable frames included, checksums
// checked. A frame asking for a window over 8 MiB (RFC 9659's bound for the content coding) is
// refused before anything is allocated for it: libzstd's own default bound is 128 MiB, and a
// single-segment frame's window is its declared content size, which a hostile header sets to
// anything. Each frame must begin with RFC 8878's magic number (or a skippable frame's):
// libzstd also decodes the pre-1.0 "legacy" formats, which the content coding does not
// include, and whose streaming decoder answered differently depending on how the input was
// split (found by the zstd fuzz target).

#include "aligned_blocks.hpp"
#include "codec.hpp"

#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <new>
#include <string>

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

    status feed(std::string_view in, const emit& out) override
    {
        return input_.feed(in, [&](std::string_view block) { return decode(block, out); });
    }

    status finish(const emit& out) override
    {
        return input_.finish([&](std::string_view block) { return decode(block, out); });
    }

    [[nodiscard]] bool complete() const noexcept override { return !in_frame_ && magic_.empty() && input_.empty(); }

    [[nodiscard]] std::string problem() const override
    {
        if (error_ == ZSTD_error_prefix_unknown) {
            return "not a zstd frame (RFC 8878): unknown or pre-1.0 magic number";
        }
        if (error_ == ZSTD_error_frameParameter_windowTooLarge) {
            return "the frame needs a window over " + std::to_string((1u << zstd_max_window_log) >> 20) + " MiB";
        }
        return ZSTD_getErrorString(error_);
    }

private:
    static constexpr std::size_t magic_size = 4;
    // libzstd copies a raw block as far as its input reaches, then checks the block against
    // the frame's declared size: it reads its input in blocks of this size from the start of
    // the stream (aligned_blocks.hpp), so that what comes out before such an error does not
    // depend on how the body was split (found by the zstd fuzz target).
    static constexpr std::size_t input_block = 1024;

    // Decoding and handing out take turns. A call that reads input gets no room for output:
    // it decodes at most the next block into libzstd's own buffer (a frame never goes through
    // libzstd's one-shot path, which checks the checksum, and not the window, before writing
    // anything). Calls with no input then hand that block out. libzstd forgets the output of a
    // call that fails, and only calls that read input can fail, so every block before a corrupt
    // one is delivered.
    status decode(std::string_view in, const emit& out)
    {
        ZSTD_inBuffer input{in.data(), in.size(), 0};
        while (input.pos < input.size) {
            if (!in_frame_) {
                // A frame begins: its magic number first, gathered if it comes in pieces.
                const std::size_t n = std::min(magic_size - magic_.size(), input.size - input.pos);
                magic_.append(static_cast<const char*>(input.src) + input.pos, n);
                input.pos += n;
                if (magic_.size() < magic_size) {
                    return status::ok;
                }
                if (const status st = start_frame(out); st != status::ok) {
                    return st;
                }
                continue;
            }
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

    /// The four bytes gathered are a frame's or a skippable frame's magic number: they go to
    /// libzstd, which then decodes the frame; anything else is corrupt.
    status start_frame(const emit& out)
    {
        std::uint32_t magic = 0;
        for (std::size_t i = magic_size; i-- > 0;) {
            magic = magic << 8 | static_cast<unsigned char>(magic_[i]);
        }
        const bool skippable = (magic & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START;
        if (magic != ZSTD_MAGICNUMBER && !skippable) {
            error_ = ZSTD_error_prefix_unknown;
            return status::corrupt;
        }
        ZSTD_inBuffer head{magic_.data(), magic_.size(), 0};
        while (head.pos < head.size) {
            ZSTD_outBuffer no_room{buf_.data(), 0, 0};
            if (const status st = call(no_room, head); st != status::ok) {
                return st;
            }
            if (const status st = hand_out(out); st != status::ok) {
                return st;
            }
        }
        magic_.clear();
        in_frame_ = true; // (libzstd has the frame's first bytes, and wants more)
        return status::ok;
    }

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
    aligned_blocks input_{input_block};
    bool in_frame_ = false;
    std::string magic_; ///< the next frame's first bytes, until there are four
    ZSTD_ErrorCode error_ = ZSTD_error_no_error;
    std::array<char, chunk_size> buf_{};
};

} // namespace

std::unique_ptr<codec> make_zstd_codec()
{
    return std::make_unique<zstd_codec>();
}

} // namespace crawl::decode::detail
