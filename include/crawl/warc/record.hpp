#pragma once
// WARC 1.1 records (ISO 28500:2017) of what a crawl fetched: warcinfo, request, response and
// revisit (identical-payload-digest profile). Each record is compressed as a gzip member of its
// own, so that a reader can start at any record's offset. No I/O: writer.hpp puts the bytes in
// files.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <random>
#include <string>
#include <string_view>

namespace crawl::warc {

/// Why a response block is shorter than the message the server sent (WARC-Truncated).
enum class truncation : std::uint8_t {
    none,
    length,      ///< a size cap (--max-body, a redirect body not worth reading)
    time,        ///< a deadline
    disconnect,  ///< the connection closed or broke
    unspecified, ///< reading stopped for another reason (a body that could not be decoded)
};

/// WARC-Truncated's value ("length", ...); empty for none.
[[nodiscard]] std::string_view to_string(truncation t) noexcept;

/// One request and its response as they crossed the wire: what the records are built from.
struct exchange {
    std::string_view target_uri;
    std::string_view ip_address; ///< empty: no WARC-IP-Address
    std::chrono::system_clock::time_point date; ///< when the request started
    std::string_view request;    ///< the bytes sent
    /// The response as received: status line, header, body with its transfer and content codings.
    std::string_view response;
    std::size_t header_size = 0; ///< bytes of `response` that are the status line and header
    std::string_view payload_digest; ///< raw SHA-1 of the body, transfer coding removed
    std::uint64_t payload_length = 0;
    /// The body has a content coding (gzip, br, ...): deflate would not make it smaller, so it
    /// is stored in the record's gzip member as it is.
    bool payload_compressed = false;
    truncation truncated = truncation::none;
    int status = 0;               ///< for the index
    std::string_view content_type; ///< the Content-Type field, for the index
};

/// The first capture of a payload: what a revisit record refers to.
struct original {
    std::string target_uri;
    std::chrono::system_clock::time_point date;
};

/// Where a record landed in the bytes it was appended to.
struct member {
    std::size_t offset = 0;
    std::size_t length = 0;
};

/// The W3C date WARC uses, in UTC with microseconds: 2026-12-02T10:11:12.123456Z.
[[nodiscard]] std::string format_date(std::chrono::system_clock::time_point t);

/// "sha1:" and the base32 (RFC 4648) of a raw SHA-1 digest: the digest label WARC readers and
/// indexes expect.
[[nodiscard]] std::string sha1_label(std::string_view raw_digest);

/// The base32 (RFC 4648, no padding: 32 characters for SHA-1) of `bytes`.
[[nodiscard]] std::string base32(std::string_view bytes);

/// One line of a warcinfo block (application/warc-fields).
struct info_field {
    std::string_view name;
    std::string value;
};

/// A warcinfo block: "name: value\r\n" lines; a line break or other control character in a
/// value becomes a space, so that every field stays one line.
[[nodiscard]] std::string info_block(std::initializer_list<info_field> fields);

class gzip_compressor;

/// Builds records and compresses each into a gzip member. Single-threaded.
class record_builder {
public:
    /// `level`: zlib's compression level, 0 (stored) to 9. `seed`: the source of the record
    /// IDs (random version 4 UUIDs).
    record_builder(int level, std::uint64_t seed);
    ~record_builder();
    record_builder(const record_builder&) = delete;
    record_builder& operator=(const record_builder&) = delete;

    /// Appends the warcinfo record that begins the file `filename` (its base name); `fields`
    /// is its block, "name: value\r\n" lines. Later records name it in WARC-Warcinfo-ID.
    member append_warcinfo(std::string_view filename, std::string_view fields,
                           std::chrono::system_clock::time_point date, std::string& out);

    /// Appends the request record of `e` and then its response record, tied to each other by
    /// WARC-Concurrent-To; with `earlier`, a revisit record (the response's header only)
    /// replaces the response. Returns where the response or revisit record is.
    member append_exchange(const exchange& e, const original* earlier, std::string& out);

private:
    std::string next_id();
    void start_head(std::string_view type, std::string_view id, std::string_view date);
    member finish(std::string_view block, std::string& out, std::size_t stored_from = std::string_view::npos);

    std::unique_ptr<gzip_compressor> gzip_;
    std::mt19937_64 random_;
    std::string warcinfo_id_;
    std::string head_;
};

} // namespace crawl::warc
