#pragma once
// Streaming Content-Encoding decoding under a decoded-size cap: gzip and deflate (zlib), br
// (brotli) and zstd, alone or stacked ("gzip, br"), behind one interface.

#include "crawl/util/error_class.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace crawl::decode {

enum class coding { identity, gzip, deflate, br, zstd };

/// The coding's name in a Content-Encoding header ("gzip", "br", ...).
[[nodiscard]] std::string_view name(coding c) noexcept;

/// The most codings one response may stack (curl's limit too). Each layer holds its own
/// window: up to 16 MiB for br, 8 MiB for zstd, 32 KiB for gzip and deflate.
inline constexpr std::size_t max_layers = 5;

/// What a Content-Encoding header asks for.
struct content_codings {
    std::vector<coding> applied; ///< in the order the server applied them; identity left out
    std::string refusal;         ///< non-empty when crawl cannot decode it: the reason, for the record
};

/// Parses a Content-Encoding header: a comma-separated list of codings, case-insensitive,
/// white space and empty elements ignored (RFC 9110, section 5.6.1). "x-gzip" is gzip;
/// "identity" and an empty header add nothing. An unknown coding, or more than max_layers,
/// is refused.
[[nodiscard]] content_codings parse_content_encoding(std::string_view header);

/// The most encoded bytes allowed for a body of at most `max_decoded` decoded bytes, on the
/// wire or between two stacked codings. Honest compressed data is never much larger than what
/// it decodes to (a stored block costs 5 bytes per 64 KiB), so 1/8 more plus 64 KiB leaves
/// any real encoder room, and bounds the work a stack of codings can make.
[[nodiscard]] constexpr std::uint64_t max_encoded_size(std::uint64_t max_decoded) noexcept
{
    return max_decoded + max_decoded / 8 + 64 * 1024;
}

enum class status {
    ok,        ///< all input consumed, output delivered
    too_large, ///< the decoded output (or a stacked layer) reached its cap; nothing beyond it was delivered
    corrupt,   ///< the stream is not valid in its coding
    truncated, ///< finish(): the stream ended before its end marker
};

/// The size of the chunks a decoder hands to its sink (at most).
inline constexpr std::size_t chunk_size = 16 * 1024;

/// Receives decoded bytes, in order, in chunks of at most chunk_size.
using sink = std::function<void(std::string_view)>;

namespace detail {
class codec;
}

/// Decodes one body through its codings, last applied first undone, chunk by chunk as it
/// arrives: never holds more than one output chunk per layer plus each layer's window. The
/// one exception is speed: a gzip layer holds up to 256 KiB of its input and decodes it in
/// one go at finish() (libdeflate, at most 8 MiB of output); a longer body streams, and so
/// does a body libdeflate refuses, through zlib (docs/design.md, "Content codings").
/// gzip accepts concatenated members; deflate accepts the zlib wrapper (RFC 1950, what the RFC
/// says) and falls back to raw deflate (RFC 1951, what some servers send); br and zstd follow
/// RFC 7932 and RFC 8878, with zstd's window held to 8 MiB (RFC 9659). Bytes after the end of a
/// gzip, deflate or br stream are ignored, as browsers do; zstd reads them as further frames.
class decoder {
public:
    /// `applied` as parse_content_encoding gives it (empty: identity).
    decoder(std::span<const coding> applied, std::uint64_t max_decoded, sink out);
    decoder(coding c, std::uint64_t max_decoded, sink out);
    ~decoder();
    decoder(decoder&&) noexcept;
    decoder& operator=(decoder&&) noexcept;

    /// Feeds the next piece of the encoded body. After anything but ok, stop feeding.
    status feed(std::string_view encoded);

    /// Call at the end of the body: ok, or truncated when a stream had not ended. An empty
    /// body is ok whatever its label (servers label empty 204 and 304 bodies too).
    status finish();

    /// Decoded bytes delivered so far (never more than max_decoded).
    [[nodiscard]] std::uint64_t decoded_bytes() const noexcept;

    /// After a status other than ok: its error class (body_too_large or decode) and a message
    /// naming the coding and, where its library says, what is wrong.
    [[nodiscard]] failure error() const;

private:
    struct state;
    std::unique_ptr<state> state_;
};

} // namespace crawl::decode
