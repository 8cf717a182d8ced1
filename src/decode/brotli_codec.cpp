// br through libbrotlidec (RFC 7932). The window is what the stream declares, at most 16 MiB:
// large-window brotli (up to 1 GiB) is an opt-in of the decoder that crawl leaves off.

#include "codec.hpp"

#include <brotli/decode.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <new>

namespace crawl::decode::detail {
namespace {

// libbrotlidec hands out what it has decoded when its input runs out, when its window fills,
// and at the end of the stream, but not when it meets an error: so what a corrupt stream
// delivers before the error, and even whether the cap or the error comes first, would depend
// on where the body was split. It is given its input in blocks that start at multiples of
// this size from the start of the stream, whatever pieces the body arrives in; the few bytes
// short of a whole block wait for the next piece, or for finish().
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
        if (!held_.empty()) {
            const std::size_t take = std::min(input_block - held_.size(), in.size());
            held_.append(in.substr(0, take));
            in.remove_prefix(take);
            if (held_.size() < input_block) {
                return status::ok;
            }
            const status st = decode(held_, out);
            held_.clear();
            if (st != status::ok) {
                return st;
            }
        }
        while (in.size() >= input_block) {
            if (const status st = decode(in.substr(0, input_block), out); st != status::ok) {
                return st;
            }
            in.remove_prefix(input_block);
        }
        held_.assign(in);
        return status::ok;
    }

    status finish(const emit& out) override
    {
        const status st = decode(held_, out);
        held_.clear();
        return st;
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
    std::string held_; // the start of the next input block, short of a whole one
    std::array<std::uint8_t, chunk_size> buf_{};
};

} // namespace

std::unique_ptr<codec> make_brotli_codec()
{
    return std::make_unique<brotli_codec>();
}

} // namespace crawl::decode::detail
