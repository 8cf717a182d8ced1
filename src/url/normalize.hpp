#pragma once
// The normal form of a fetchable URL, written out from its components: lowercase scheme and
// host, normalized percent-encoding, no dot segments, no default port, path at least "/", no
// fragment.

#include <boost/url/host_type.hpp>
#include <boost/url/scheme.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace crawl::url::detail {

namespace urls = boost::urls;

/// Why a candidate URL cannot be fetched. Kept as a cheap enum so that resolve_link, which
/// runs for every link of every page, never builds a message string.
enum class problem { none, unsupported_scheme, missing_host, bad_host, bad_port };

/// The components of an absolute URL, as views into parsed strings (or a merged path).
struct components {
    urls::scheme scheme = urls::scheme::none;
    bool has_authority = false;
    bool has_userinfo = false;
    std::string_view userinfo;
    std::string_view host;
    urls::host_type host_type = urls::host_type::none;
    bool has_port = false;
    std::string_view port;
    std::string_view path;
    bool has_query = false;
    std::string_view query;
};

/// Where the parts of a serialized URL lie, for building a target without reparsing.
struct layout {
    std::size_t host_begin = 0;
    std::size_t host_end = 0;
    std::size_t path_begin = 0;
    std::uint16_t port = 0;
};

/// Checks that `u` is a fetchable http(s) URL and writes its normal form to `out` (replacing
/// its contents), and where its parts lie to `where`.
problem serialize(const components& u, std::string& out, layout& where);

} // namespace crawl::url::detail
