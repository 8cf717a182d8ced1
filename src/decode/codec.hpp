#pragma once
// One content coding's streaming decoder, without a cap: decoder.cpp chains them (one per
// layer of a stacked Content-Encoding) and caps what each layer produces.

#include "crawl/decode/decoder.hpp"

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace crawl::decode::detail {

/// Where a codec's output goes: the next layer in, or the capped sink. Answers ok, or why
/// decoding must stop (a cap reached, a layer further in corrupt).
using emit = std::function<status(std::string_view)>;

class codec {
public:
    codec() = default;
    virtual ~codec() = default;
    codec(const codec&) = delete;
    codec& operator=(const codec&) = delete;

    /// Decodes `in`, handing the output to `out` in chunks of at most chunk_size. Returns ok,
    /// corrupt, or the first status other than ok that `out` returned (at once).
    virtual status feed(std::string_view in, const emit& out) = 0;

    /// At the end of the body: decodes what feed() held back (ok by default: nothing).
    virtual status finish(const emit& out)
    {
        (void)out;
        return status::ok;
    }

    /// Whether the stream fed so far ends where its coding says it may (the end of a gzip
    /// member, of a br stream, of a zstd frame).
    [[nodiscard]] virtual bool complete() const noexcept = 0;

    /// After corrupt: what the library said is wrong, in words ("" when it said nothing).
    [[nodiscard]] virtual std::string problem() const = 0;
};

/// gzip or deflate (zlib).
std::unique_ptr<codec> make_zlib_codec(coding c);
/// br (libbrotlidec).
std::unique_ptr<codec> make_brotli_codec();
/// zstd (libzstd), its window held to zstd_max_window_log.
std::unique_ptr<codec> make_zstd_codec();

/// RFC 9659: a zstd content coding's window is at most 8 MiB; decoders may refuse larger.
inline constexpr int zstd_max_window_log = 23;

} // namespace crawl::decode::detail
