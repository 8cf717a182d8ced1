// br through libbrotlidec (RFC 7932). The window is what the stream declares, at most 16 MiB:
// large-window brotli (up to 1 GiB) is an opt-in of the decoder that crawl leaves off.

#include "aligned_blocks.hpp"
#include "codec.hpp"

#include <brotli/decode.h>

#include <array>
#include <cstdint>
#include <new>

namespace crawl::decode::detail {
namespace {

// libbrotlidec hands out what it has decoded when its input runs out, when its window fills,
// and at the end of the stream, but not when it meets an error: it reads its input in blocks
// of this size from the start of the stream (aligned_blocks.hpp), so that what a corrupt
// stream delivers before the error, and whether the cap or the error comes first, do not
// depend on where the body was split.
constexpr std::size_t input_block = 256;

class brotli_codec final : public codec {
public:
    brotli_codec() : state_(BrotliDecoderCreateInstance(nullptr, nullptr, nullptr))
    {
        if (state_ == nullptr) {
            throw std::bad_alloc();
        }
    }

    ~brotli_codec() override { BrotliDecoderDestroyInstance(state_); }

    brotli_codec(const brotli_codec&) = delete;
    brotli_codec& operator=(const brotli_codec&) = delete;

    status feed(std::string_view in, const emit& out) override
    {
        return input_.feed(in, [&](std::string_view block) { return decode(block, out); });
    }

    status finish(const emit& out) override
    {
        return input_.finish([&](std::string_view block) { return decode(block, out); });
    }

    [[nodiscard]] bool complete() const noexcept override { return finished_; }

    [[nodiscard]] std::string problem() const override
    {
        // The library's names look like "_ERROR_FORMAT_PADDING_1"; the part after "_ERROR_" says it.
        std::string_view what = BrotliDecoderErrorString(BrotliDecoderGetErrorCode(state_));
        if (const auto at = what.find("_ERROR_"); at != std::string_view::npos) {
            what.remove_prefix(at + 7);
        }
        return std::string(what);
    }

private:
    // Decodes one block of input (or the last, shorter one) to its end.
    status decode(std::string_view in, const emit& out)
    {
        const auto* next_in = reinterpret_cast<const std::uint8_t*>(in.data());
        std::size_t avail_in = in.size();
        // Bytes after the end of the stream are ignored, like gzip's trailing garbage.
        while (!finished_) {
            auto* next_out = buf_.data();
            std::size_t avail_out = buf_.size();
            const BrotliDecoderResult rc =
                BrotliDecoderDecompressStream(state_, &avail_in, &next_in, &avail_out, &next_out, nullptr);
            const std::size_t produced = buf_.size() - avail_out;
            if (produced > 0) {
                const std::string_view chunk(reinterpret_cast<const char*>(buf_.data()), produced);
                if (const status st = out(chunk); st != status::ok) {
                    return st;
                }
            }
            switch (rc) {
            case BROTLI_DECODER_RESULT_SUCCESS:
                finished_ = true;
                break;
            case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT: // all of `in` consumed
                return status::ok;
            case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT: // the chunk is full: go on
                break;
            case BROTLI_DECODER_RESULT_ERROR:
                return status::corrupt;
            }
        }
        return status::ok;
    }

    BrotliDecoderState* state_;
    bool finished_ = false;
    aligned_blocks input_{input_block};
    std::array<std::uint8_t, chunk_size> buf_{};
};

} // namespace

std::unique_ptr<codec> make_brotli_codec()
{
    return std::make_unique<brotli_codec>();
}

} // namespace crawl::decode::detail
