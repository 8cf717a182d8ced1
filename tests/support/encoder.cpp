#include "support/encoder.hpp"

#include <brotli/encode.h>
#include <zstd.h>

#define ZLIB_CONST
#include <zlib.h>

#include <array>
#include <stdexcept>
#include <utility>

namespace crawl::test {

namespace detail {

/// One library's streaming compressor; `out` collects what it produced.
class encoder_impl {
public:
    encoder_impl() = default;
    virtual ~encoder_impl() = default;
    encoder_impl(const encoder_impl&) = delete;
    encoder_impl& operator=(const encoder_impl&) = delete;
    /// `finish` ends the stream; otherwise `mode` says how the output ends.
    virtual void feed(std::string_view data, flush mode, bool finish) = 0;
    std::string out;
};

} // namespace detail

namespace {

class zlib_impl final : public detail::encoder_impl {
public:
    zlib_impl(wrapping w, encoder_options o)
    {
        const int window = o.window_log != 0 ? o.window_log : MAX_WBITS;
        const int bits = w == wrapping::gzip ? 16 + window : w == wrapping::raw_deflate ? -window : window;
        if (deflateInit2(&zs_, o.level < 0 ? 6 : o.level, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
            throw std::runtime_error("deflateInit2 failed");
        }
    }
    ~zlib_impl() override { deflateEnd(&zs_); }
    zlib_impl(const zlib_impl&) = delete;
    zlib_impl& operator=(const zlib_impl&) = delete;

    void feed(std::string_view data, flush mode, bool finish) override
    {
        zs_.next_in = reinterpret_cast<const Bytef*>(data.data());
        zs_.avail_in = static_cast<uInt>(data.size());
        const int how = finish                 ? Z_FINISH
                        : mode == flush::sync ? Z_SYNC_FLUSH
                        : mode == flush::full ? Z_FULL_FLUSH
                                              : Z_NO_FLUSH;
        for (;;) {
            zs_.next_out = buf_.data();
            zs_.avail_out = static_cast<uInt>(buf_.size());
            const int rc = deflate(&zs_, how);
            if (rc == Z_STREAM_ERROR) {
                throw std::runtime_error("deflate failed");
            }
            out.append(reinterpret_cast<const char*>(buf_.data()), buf_.size() - zs_.avail_out);
            // Without finish, done once all input is taken and output space is left over (a
            // flush included); with finish, only when the stream ended.
            if (finish ? rc == Z_STREAM_END : (zs_.avail_in == 0 && zs_.avail_out != 0)) {
                return;
            }
        }
    }

private:
    z_stream zs_{};
    std::array<unsigned char, 64 * 1024> buf_{};
};

class brotli_impl final : public detail::encoder_impl {
public:
    explicit brotli_impl(encoder_options o) : state_(BrotliEncoderCreateInstance(nullptr, nullptr, nullptr))
    {
        if (state_ == nullptr) {
            throw std::runtime_error("BrotliEncoderCreateInstance failed");
        }
        BrotliEncoderSetParameter(state_, BROTLI_PARAM_QUALITY, static_cast<std::uint32_t>(o.level < 0 ? 5 : o.level));
        const int window = o.window_log != 0 ? o.window_log : BROTLI_DEFAULT_WINDOW;
        // Over 24 bits is large-window brotli, a different stream format that HTTP's br is not.
        BrotliEncoderSetParameter(state_, BROTLI_PARAM_LARGE_WINDOW, window > BROTLI_MAX_WINDOW_BITS ? 1 : 0);
        BrotliEncoderSetParameter(state_, BROTLI_PARAM_LGWIN, static_cast<std::uint32_t>(window));
    }
    ~brotli_impl() override { BrotliEncoderDestroyInstance(state_); }
    brotli_impl(const brotli_impl&) = delete;
    brotli_impl& operator=(const brotli_impl&) = delete;

    void feed(std::string_view data, flush mode, bool finish) override
    {
        const auto* next_in = reinterpret_cast<const std::uint8_t*>(data.data());
        std::size_t avail_in = data.size();
        const auto op = finish                ? BROTLI_OPERATION_FINISH
                        : mode == flush::sync ? BROTLI_OPERATION_FLUSH
                                              : BROTLI_OPERATION_PROCESS;
        // At least one call: a flush or a finish with no input still has output to make.
        do {
            std::size_t avail_out = 0;
            if (BrotliEncoderCompressStream(state_, op, &avail_in, &next_in, &avail_out, nullptr, nullptr) == 0) {
                throw std::runtime_error("BrotliEncoderCompressStream failed");
            }
            std::size_t size = 0;
            const std::uint8_t* produced = BrotliEncoderTakeOutput(state_, &size);
            out.append(reinterpret_cast<const char*>(produced), size);
        } while (avail_in > 0 || BrotliEncoderHasMoreOutput(state_) != 0 ||
                 (finish && BrotliEncoderIsFinished(state_) == 0));
    }

private:
    BrotliEncoderState* state_;
};

class zstd_impl final : public detail::encoder_impl {
public:
    explicit zstd_impl(encoder_options o) : cctx_(ZSTD_createCCtx())
    {
        if (cctx_ == nullptr) {
            throw std::runtime_error("ZSTD_createCCtx failed");
        }
        ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, o.level < 0 ? 3 : o.level);
        ZSTD_CCtx_setParameter(cctx_, ZSTD_c_checksumFlag, 1);
        if (o.window_log != 0) {
            ZSTD_CCtx_setParameter(cctx_, ZSTD_c_windowLog, o.window_log);
        }
    }
    ~zstd_impl() override { ZSTD_freeCCtx(cctx_); }
    zstd_impl(const zstd_impl&) = delete;
    zstd_impl& operator=(const zstd_impl&) = delete;

    void feed(std::string_view data, flush mode, bool finish) override
    {
        const auto op = finish ? ZSTD_e_end : mode == flush::sync ? ZSTD_e_flush : ZSTD_e_continue;
        ZSTD_inBuffer in{data.data(), data.size(), 0};
        for (;;) {
            ZSTD_outBuffer o{buf_.data(), buf_.size(), 0};
            const std::size_t left = ZSTD_compressStream2(cctx_, &o, &in, op);
            if (ZSTD_isError(left) != 0) {
                throw std::runtime_error(std::string("ZSTD_compressStream2: ") + ZSTD_getErrorName(left));
            }
            out.append(buf_.data(), o.pos);
            // A flush or the end is done when nothing is left to write; otherwise, once all
            // input is taken.
            if (op != ZSTD_e_continue ? left == 0 : in.pos == in.size) {
                return;
            }
        }
    }

private:
    ZSTD_CCtx* cctx_;
    std::array<char, 64 * 1024> buf_{};
};

} // namespace

encoder::encoder(wrapping w, encoder_options options) : wrapping_(w)
{
    switch (w) {
    case wrapping::br:
        impl_ = std::make_unique<brotli_impl>(options);
        break;
    case wrapping::zstd:
        impl_ = std::make_unique<zstd_impl>(options);
        break;
    case wrapping::gzip:
    case wrapping::zlib:
    case wrapping::raw_deflate:
        impl_ = std::make_unique<zlib_impl>(w, options);
        break;
    }
}

encoder::~encoder() = default;

void encoder::feed(std::string_view data, flush mode)
{
    if (mode == flush::full && (wrapping_ == wrapping::br || wrapping_ == wrapping::zstd)) {
        throw std::invalid_argument("a full flush is zlib's alone");
    }
    impl_->feed(data, mode, false);
}

std::string encoder::take()
{
    return std::exchange(impl_->out, {});
}

std::string encoder::finish(std::string_view last)
{
    impl_->feed(last, flush::none, true);
    return take();
}

std::string encode(wrapping w, std::string_view data, encoder_options options)
{
    encoder e(w, options);
    return e.finish(data);
}

std::string zero_bomb(wrapping w, std::uint64_t mib)
{
    // Levels that make a bomb about as small as the strongest level would (zlib's 9: ~1 KB per
    // MiB; brotli's 5: a few hundred bytes per 256 MiB; zstd's RLE blocks at any level: 32 bytes
    // per MiB) without its cost: a GiB takes under 2 s of the test server's time.
    encoder e(w, {w == wrapping::gzip || w == wrapping::zlib || w == wrapping::raw_deflate ? 9 : -1, 0});
    const std::string zeros(1024 * 1024, '\0');
    for (std::uint64_t i = 0; i < mib; ++i) {
        e.feed(zeros);
    }
    return e.finish();
}

} // namespace crawl::test
