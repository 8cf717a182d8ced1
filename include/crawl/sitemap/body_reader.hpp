#pragma once
// A sitemap file as it arrives over HTTP: a gzipped file (sitemap.xml.gz, commonly served as
// application/x-gzip with no Content-Encoding) recognized by its first bytes and decompressed
// under the protocol's 50 MiB cap, then read by sitemap::reader.

#include "crawl/decode/decoder.hpp"
#include "crawl/sitemap/reader.hpp"
#include "crawl/util/error_class.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace crawl::sitemap {

/// Bytes is_gzip needs to decide.
inline constexpr std::size_t gzip_magic_bytes = 3;

/// True when `first_bytes` begin a gzip stream (RFC 1952: ID1 0x1F, ID2 0x8B, CM 8 for
/// deflate). Neither XML nor text starts so (0x1F is a control character and 0x8B no UTF-8
/// lead byte), so sniffing cannot mistake a plain sitemap for one. False on fewer than
/// gzip_magic_bytes bytes.
[[nodiscard]] bool is_gzip(std::string_view first_bytes) noexcept;

/// What body_reader adds to the reader's summary.
struct body_summary {
    sitemap::summary sitemap;
    bool gzip = false; ///< the file was gzipped (beyond any Content-Encoding already undone)
    std::uint64_t inflated = 0; ///< bytes the gzip stream decoded to: at most limits::max_bytes + 1
    /// A gzipped file that is corrupt or truncated: class decode and zlib's message. The
    /// entries read before the damage are kept. cls none otherwise.
    failure decode_error;
};

/// Feeds a reader with the body after Content-Encoding: a gzipped body goes through
/// decode::decoder first, whose output is capped just past limits::max_bytes, so a gzip bomb
/// stops there after inflating at most that much, in the decoder's window and one output chunk of memory;
/// any other body goes to the reader as it is. Gzip inside gzip is not unwrapped again.
class body_reader {
public:
    body_reader(const url::target& sitemap_url, url_sink out, limits l = {});
    body_reader(const body_reader&) = delete;
    body_reader& operator=(const body_reader&) = delete;

    /// The next piece of the body. Ignored once wants_more() is false.
    void feed(std::string_view chunk);

    /// False once more input cannot change the result (see reader::wants_more), and after a
    /// gzip stream failed or reached the cap.
    [[nodiscard]] bool wants_more() const noexcept;

    /// Ends the body. A gzip stream cut short is a decode error; what came before it counts.
    body_summary finish();

private:
    void start(std::string_view first_bytes);
    void decode(std::string_view compressed);

    limits limits_;
    reader reader_;
    std::string head_;                     ///< the first bytes, until is_gzip can decide
    bool started_ = false;                 ///< is_gzip has decided
    std::optional<decode::decoder> gzip_;  ///< set when the body is gzipped
    decode::status gzip_status_ = decode::status::ok;
    body_summary result_;
};

} // namespace crawl::sitemap
