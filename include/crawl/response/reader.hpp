#pragma once
// Reading one HTTP/1.x response without doing any I/O: Beast's parser under crawl's caps,
// interim (1xx) responses skipped, redirect bodies drained, the final body handed to a handler
// in chunks, every failure classified. The fetch client drives it from a socket with Beast's
// async reads; the fuzzer drives the same code from a buffer with Beast's sync reads.

#include "crawl/response/body_handler.hpp"

#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/system/error_code.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crawl::response {

/// What one response may make the crawler hold (docs/crawl.1, LIMITS; defaults as the options').
struct limits {
    std::uint32_t max_header_bytes = 128u << 10; ///< status line plus fields, per response
    std::uint32_t max_header_fields = 1000;      ///< field lines per response
    std::uint64_t max_body = 16u << 20;          ///< decoded body bytes (the handler enforces it)
};

/// Body bytes handed over per on_body call.
inline constexpr std::size_t chunk_size = 16 * 1024;
/// 1xx responses accepted before the real one; more is a protocol error, not an endless loop.
inline constexpr unsigned max_interim_responses = 16;
/// A redirect's body is read and dropped up to this size, to keep the connection.
inline constexpr std::size_t max_drained_redirect_body = 64 * 1024;

/// The most bytes the connection's read buffer may hold: a whole header block plus one read.
/// Beast needs unparsed bytes contiguous and does not bound a chunk-size line or the trailer
/// itself, so without this cap a server could make the buffer grow until a deadline fires.
[[nodiscard]] std::size_t buffer_limit(const limits& l) noexcept;

/// What the caller does next.
enum class step {
    read_header, ///< read a response header into parser() (http::read_header / async_read_header)
    read_body,   ///< call prepare_body(), then read into parser() (http::read / async_read)
    done,        ///< finished: error() says how
};

/// One response on one connection. Single-threaded; the handler must outlive the reader.
class reader {
public:
    using parser_type = boost::beast::http::response_parser<boost::beast::http::buffer_body>;

    /// `final_url` is what on_header reports as the URL that answered. `tap`, when given, sees
    /// every body byte read, before the handler does.
    reader(const limits& l, std::string_view final_url, body_handler& handler, body_tap* tap = nullptr);
    reader(const reader&) = delete;
    reader& operator=(const reader&) = delete;

    [[nodiscard]] step next() const noexcept { return next_; }

    /// The parser the next read fills; a fresh one after each interim response.
    [[nodiscard]] parser_type& parser() noexcept { return *parser_; }

    /// Before each body read: points the body at the chunk buffer.
    void prepare_body() noexcept;

    /// After a header read, with the error code and the byte count it returned. Returns next().
    step header_read(boost::system::error_code ec, std::size_t header_bytes);

    /// After a body read, with the error code it returned (need_buffer is not an error).
    /// Returns next().
    step body_read(boost::system::error_code ec);

    /// none when the final response was read completely (or a redirect was drained).
    [[nodiscard]] const failure& error() const noexcept { return error_; }
    /// A final (not interim) response header was read whole: accepted, or refused for its
    /// Content-Length alone (body_too_large; its fields are then in parser().get() only).
    [[nodiscard]] bool has_final_header() const noexcept { return final_header_; }
    /// Status of the last response header read; 0 before one arrived.
    [[nodiscard]] int status() const noexcept { return status_; }
    /// Content-Type and Content-Encoding of the response, as sent (valid while the reader is);
    /// empty until a header parsed completely.
    [[nodiscard]] std::string_view content_type() const;
    [[nodiscard]] std::string_view content_encoding() const;
    /// Its Retry-After field, as sent (empty until a header parsed completely).
    [[nodiscard]] std::string_view retry_after() const;
    /// Non-empty for a 301/302/303/307/308 with a non-blank Location: the redirect to follow.
    [[nodiscard]] const std::string& location() const noexcept { return location_; }
    /// The response was read to its end and the server allows another request on the connection.
    [[nodiscard]] bool reusable() const noexcept { return reusable_; }

private:
    [[nodiscard]] std::string_view field(boost::beast::http::field name) const;
    step fail(failure f);
    step finish_body();

    limits limits_;
    std::string_view final_url_;
    body_handler& handler_;
    body_tap* tap_;
    std::optional<parser_type> parser_;
    std::array<char, chunk_size> chunk_{};
    failure error_;
    std::string location_;
    std::string content_encoding_; ///< its Content-Encoding fields, joined
    std::size_t drained_ = 0;
    unsigned interim_ = 0;
    int status_ = 0;
    bool reusable_ = false;
    bool final_header_ = false;
    step next_ = step::read_header;
};

} // namespace crawl::response
