#pragma once
// The result record of one input line and its JSONL / CSV serialization.

#include "crawl/util/error_class.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace crawl::record {

/// Milliseconds per phase of the final request; negative means "did not happen" (null).
struct timings {
    double dns = -1;     ///< name resolution (0 when cached or --resolve)
    double connect = -1; ///< TCP connect
    double tls = -1;     ///< TLS handshake
    double ttfb = -1;    ///< request sent → first response byte
    double total = -1;   ///< the whole URL, redirects included
};

/// Where a record's final response is archived (--warc): the WARC file, and the offset and
/// length of its response (or revisit) record's gzip member in it.
struct archive_location {
    std::string file; ///< empty: not archived
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

/// Where a record stands in a recursive crawl (--depth above 0); list crawls leave it unset
/// and their records have neither field.
struct crawl_place {
    bool recursive = false;  ///< the record has "depth" and "found_on"
    bool discovered = false; ///< found on a page, not read from the input: "seq" is null
    std::uint32_t depth = 0;
    std::string found_on;    ///< the page whose link (or redirect) led here; empty: null
};

/// Everything known about one input line. Strings may hold any bytes: the serializers emit
/// valid UTF-8 whatever they contain (ill-formed sequences become U+FFFD).
struct record {
    std::uint64_t seq = 0;  ///< input line number, 1-based
    std::string url;        ///< the input line as given (trimmed)
    std::string final_url;  ///< after redirects; empty when no request was made
    int status = 0;         ///< final HTTP status; 0 when no response
    error_class error = error_class::none;
    std::string error_message;
    int redirects = 0;
    unsigned attempts = 0;  ///< fetch attempts made (retries + 1); 0 when none was made
    std::string content_type;
    std::string charset;
    std::string content_encoding;
    std::uint64_t wire_bytes = 0; ///< response bytes read from the socket, headers included
    std::uint64_t body_bytes = 0; ///< decoded body bytes
    std::string title;
    std::string description;
    std::string canonical;
    std::string lang;
    std::uint64_t links_count = 0;
    std::vector<std::string> links;
    std::string hash;       ///< "sha256:<hex>" of the decoded body; empty when no body was read
    timings time_ms;
    int worker = -1;        ///< worker id; -1 when the supervisor answered by itself
    std::uint64_t duplicate_of = 0; ///< --dedup: seq of the line with the same URL; 0 = none
    archive_location warc;  ///< --warc: where the final response was written
    crawl_place place;      ///< recursive crawls: depth and found_on

    /// ok is derived, never stored: a final 2xx response and no error.
    [[nodiscard]] bool ok() const noexcept
    {
        return error == error_class::none && status >= 200 && status < 300;
    }
};

enum class format { jsonl, csv };

/// Appends one JSON object and '\n'. Field order is fixed (docs/crawl.1, OUTPUT). Empty strings
/// are null for final_url, content_type, charset, content_encoding, title, description,
/// canonical, lang and hash; "links" is present only when `with_links`.
void append_jsonl(const record& r, bool with_links, std::string& out);

/// Appends the CSV header row and '\n' (the scalar fields, JSON's order, time_* flattened;
/// `recursive`: with the depth and found_on columns).
void append_csv_header(bool recursive, std::string& out);

/// Appends one CSV row and '\n' (RFC 4180 quoting, CRLF-free output).
void append_csv(const record& r, std::string& out);

/// Serializes in `f`.
void append(const record& r, format f, bool with_links, std::string& out);

/// Appends `s` as a JSON string literal (quotes included), sanitizing UTF-8.
void append_json_string(std::string_view s, std::string& out);

} // namespace crawl::record
