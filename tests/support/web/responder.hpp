#pragma once
// What the synthetic web answers to one request, without I/O: the server (server.hpp) writes
// it, the fuzz target checks it.

#include "support/web/web.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace crawl::test::web {

struct response {
    unsigned status = 200;
    std::string content_type = "text/html; charset=utf-8";
    std::string body;             ///< as sent (gzip bytes when `gzip`)
    std::string location;         ///< a redirect's Location
    bool gzip = false;            ///< Content-Encoding: gzip
};

/// Where a request goes: the host its Host field ("name" or "name:port", any case) names and
/// the resource its target names there.
struct destination {
    bool host_given = false;
    std::optional<std::uint32_t> host;
    std::optional<resource> what;
    /// What identifies the URL in the request log: what's key(), or a hash of the Host field
    /// and target (with kind bits 0xF, which no resource has).
    std::uint64_t key = 0;
};
[[nodiscard]] destination locate(const web& w, std::string_view host_field, std::string_view target);

/// The answer to a request for `to`; `accepts_gzip`: its Accept-Encoding allows gzip.
[[nodiscard]] response respond(const web& w, const destination& to, bool accepts_gzip);

/// The status line and header fields of `r` (Content-Length of its body), ending in the
/// empty line; `keep_alive` false adds Connection: close.
[[nodiscard]] std::string response_head(const response& r, bool keep_alive);

} // namespace crawl::test::web
