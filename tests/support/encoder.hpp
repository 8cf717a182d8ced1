#pragma once
// Compression for the tests, the test server, the fuzz targets and the benchmarks: each format
// made by its own library (zlib, libbrotlienc, libzstd), never by crawl's decoders, so the bytes
// a test decodes are what real servers send.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace crawl::test {

namespace detail {
class encoder_impl;
}

enum class wrapping {
    gzip,        ///< RFC 1952 (Content-Encoding: gzip)
    zlib,        ///< RFC 1950 (Content-Encoding: deflate, as the RFC says)
    raw_deflate, ///< RFC 1951 (Content-Encoding: deflate, as some servers send it)
    br,          ///< RFC 7932
    zstd,        ///< RFC 8878
};

/// How a feed ends its output.
enum class flush {
    none, ///< the compressor keeps what it has not yet written
    /// Everything fed so far is written out, ending on a byte boundary, so that the output so
    /// far decodes to all of it (zlib's Z_SYNC_FLUSH, brotli's FLUSH, zstd's ZSTD_e_flush).
    sync,
    /// A sync flush after which the compressor forgets what it saw: the next output refers to
    /// no earlier bytes (zlib's Z_FULL_FLUSH; the zlib wrappings only).
    full,
};

struct encoder_options {
    int level = -1;     ///< -1: what servers typically use (zlib 6, brotli 5, zstd 3)
    int window_log = 0; ///< 0: the default (zlib 15, brotli 22; zstd's for the level); brotli over 24: large-window brotli
};

/// A streaming compressor: the stream never has to exist whole on the input side (a bomb of
/// gigabytes of zeros is fed a piece at a time).
class encoder {
public:
    explicit encoder(wrapping w, encoder_options options = {});
    ~encoder();
    encoder(const encoder&) = delete;
    encoder& operator=(const encoder&) = delete;

    /// Compresses `data`, then flushes as `mode` says; its output is kept for take() or
    /// finish(). A full flush of br or zstd throws std::invalid_argument.
    void feed(std::string_view data, flush mode = flush::none);
    /// The output not yet taken (a flushed stream's pieces, one at a time).
    std::string take();
    /// Compresses `last` and ends the stream; returns the output not yet taken. Given the whole
    /// body here and nothing before, zstd writes its size in the frame header, as a server with
    /// the whole file at hand does, and the frame's window shrinks to the body's size.
    std::string finish(std::string_view last = {});

private:
    wrapping wrapping_;
    std::unique_ptr<detail::encoder_impl> impl_;
};

/// `data` compressed in one go (finish(data) of a fresh encoder).
std::string encode(wrapping w, std::string_view data, encoder_options options = {});

/// `mib` MiB of zero bytes, compressed: a decompression bomb.
std::string zero_bomb(wrapping w, std::uint64_t mib);

} // namespace crawl::test
