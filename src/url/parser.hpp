#pragma once
// The WHATWG URL Standard's basic URL parser, for the special schemes crawl fetches (http,
// https), writing the URL serializer's output directly (fragment excluded).

#include "problem.hpp"

#include "crawl/url/target.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

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

[[nodiscard]] base_parts take_apart(const target& base) noexcept;

/// Parses `input` against `base` (null for none) and writes the serialization of the resulting
/// http(s) URL, without its fragment, to `out` (replacing its contents); where its parts lie goes
/// to `where`. Any other scheme is problem::unsupported_scheme, without parsing further.
problem parse(std::string_view input, const target* base, std::string& out, layout& where);

/// The same, with `base` already taken apart into `parts` (both null, or neither).
problem parse(std::string_view input, const target* base, const base_parts* parts, std::string& out, layout& where);

} // namespace crawl::url::detail
