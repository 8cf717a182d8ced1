#pragma once
// Where the parts of a serialized URL lie: what the URL parser (src/url/parser.*) writes, and
// what a url::link_resolver keeps of its base so that a page's links share one reading of it.
// Plain data, no parsing here.

#include <cstddef>
#include <cstdint>

namespace crawl::url::detail {

/// Where the parts of a serialized URL lie, for building a target without parsing it again.
struct layout {
    bool https = false;
    std::size_t host_begin = 0;
    std::size_t host_end = 0;   ///< brackets of an IPv6 host included in [host_begin, host_end)
    std::size_t path_begin = 0; ///< the path and query run from here to the end
    std::uint16_t port = 0;     ///< explicit or the scheme's default (0 only when written so)
    int idna_code = 0;          ///< libidn2's error code when the parser says problem::idna
};

/// A base URL taken apart: its layout, and where its query begins. A page's links share one.
struct base_parts {
    layout where;
    std::size_t query_begin = 0; ///< the query's '?' in the href, or the href's size without one
};

} // namespace crawl::url::detail
