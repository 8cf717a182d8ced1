#pragma once
// Why a URL failed. Per-URL failures are data (a record field), never exceptions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crawl {

/// The error class of a record. The numeric values travel in result frames (docs/design.md,
/// "Frame format"): append new classes at the end and never renumber.
enum class error_class : std::uint8_t {
    none = 0,
    invalid_url,          ///< the input line is not a URL
    unsupported_scheme,   ///< a URL, but not http or https (input or redirect target)
    dns,                  ///< name resolution failed
    connect,              ///< TCP connect failed (refused, unreachable)
    tls,                  ///< TLS handshake or certificate verification failed
    timeout,              ///< a deadline expired (resolve, connect, handshake, header, idle, total)
    write,                ///< sending the request failed
    read,                 ///< the connection failed while reading the response
    protocol,             ///< the response is not valid HTTP/1.x (status line, headers, chunking)
    http_status,          ///< the final response is not 2xx (the record still carries everything)
    too_many_redirects,   ///< more than --max-redirects hops
    redirect_loop,        ///< a redirect chain revisits a URL
    body_too_large,       ///< decoded body exceeds --max-body
    decode,               ///< corrupt or truncated gzip/deflate/br/zstd stream (or a zstd window over 8 MiB)
    unsupported_encoding, ///< a Content-Encoding the crawler does not speak
    worker_crash,         ///< the URL was in flight in two workers that died
    robots_disallowed,    ///< robots.txt forbids the URL (or could not be fetched: disallow all)
    host_unreachable,     ///< the host failed --host-errors times in a row: not tried
    blocked_address,      ///< a redirect (or link) would connect inward: loopback, private, link-local
};

/// The class's name as it appears in records ("none" for error_class::none).
std::string_view to_string(error_class c) noexcept;

/// Inverse of to_string; nullopt for an unknown name.
std::optional<error_class> error_class_from_string(std::string_view name) noexcept;

/// Number of error classes (for per-class counters).
inline constexpr std::size_t error_class_count = static_cast<std::size_t>(error_class::blocked_address) + 1;

/// A failure as a value: its class plus a human-readable message.
struct failure {
    error_class cls = error_class::none;
    std::string message;
};

} // namespace crawl
