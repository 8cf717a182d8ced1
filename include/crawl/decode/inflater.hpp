#pragma once
// Streaming Content-Encoding decoders with an output cap (zlib underneath).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

namespace crawl::decode {

enum class coding { identity, gzip, deflate };

/// Maps a Content-Encoding header value to a coding. Empty and "identity" are identity;
/// "gzip"/"x-gzip" gzip; "deflate" deflate (case-insensitive, surrounding whitespace ignored).
/// nullopt for anything else, including stacked codings ("gzip, br").
[[nodiscard]] std::optional<coding> parse_content_encoding(std::string_view header);

enum class status {
    ok,        ///< all input consumed, output delivered
    too_large, ///< decoded output reached the cap; output beyond the cap was not delivered
    corrupt,   ///< the stream is not valid gzip/deflate
    truncated, ///< finish(): the stream ended before its end marker
};

/// Receives decoded bytes, in order, in chunks of at most 16 KiB.
using sink = std::function<void(std::string_view)>;

/// Decodes one body. gzip accepts concatenated members; deflate accepts the zlib wrapper
/// (RFC 1950, what the RFC says) and falls back to raw deflate (RFC 1951, what some servers
/// send). Never holds more than one output chunk plus zlib's window.
class inflater {
public:
    inflater(coding c, std::uint64_t max_decoded, sink out);
    ~inflater();
    inflater(inflater&&) noexcept;
    inflater& operator=(inflater&&) noexcept;

    /// Feeds the next piece of the encoded body. After anything but ok, stop feeding.
    status feed(std::string_view encoded);

    /// Call at the end of the body: ok, or truncated when the stream had not ended.
    status finish();

    /// Decoded bytes delivered so far (never more than max_decoded).
    [[nodiscard]] std::uint64_t decoded_bytes() const noexcept;

private:
    struct state;
    std::unique_ptr<state> state_;
};

} // namespace crawl::decode
