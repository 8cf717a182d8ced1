#pragma once
// A fetchable URL as plain data: no Boost, so the wire frames can carry one.

#include <cstddef>
#include <cstdint>
#include <string>

namespace crawl::url {

/// The longest URL crawl keeps from a document (a page's links, a sitemap's entries, a
/// robots.txt's Sitemap lines): Apache and nginx refuse request lines over 8 KiB by default,
/// so a longer URL would cost a request and bring back an error.
inline constexpr std::size_t max_url_bytes = 8192;

/// A fetchable http(s) URL, normalized. Everything a request needs, as plain strings.
struct target {
    std::string href;           ///< normalized absolute URL, fragment dropped
    std::string scheme;         ///< "http" or "https"
    std::string host;           ///< lowercase; IPv6 literals without brackets
    std::uint16_t port = 0;     ///< explicit or the scheme's default
    std::string request_target; ///< path and query, at least "/"

    [[nodiscard]] bool tls() const noexcept { return scheme == "https"; }

    /// "host:port" (IPv6 bracketed): the key for per-host limits and connection pools.
    [[nodiscard]] std::string host_port() const
    {
        std::string out;
        out.reserve(host.size() + 8);
        if (host.find(':') != std::string::npos) {
            out += '[';
            out += host;
            out += ']';
        } else {
            out += host;
        }
        out += ':';
        out += std::to_string(port);
        return out;
    }

    /// Value for the Host header: host, plus ":port" when not the scheme's default.
    [[nodiscard]] std::string host_header() const
    {
        std::string out;
        if (host.find(':') != std::string::npos) {
            out = "[" + host + "]";
        } else {
            out = host;
        }
        if (port != (tls() ? 443 : 80)) {
            out += ':';
            out += std::to_string(port);
        }
        return out;
    }
};

} // namespace crawl::url
