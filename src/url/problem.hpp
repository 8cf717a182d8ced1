#pragma once
// Why the URL parser gave no http(s) URL: a cheap enum, so that resolving the links of a page
// never builds a message; url.cpp turns it into one for the records.

#include <cstdint>

namespace crawl::url::detail {

enum class problem : std::uint8_t {
    none,
    missing_scheme,            ///< no scheme, and no base URL to resolve against
    unsupported_scheme,        ///< a scheme other than http and https
    missing_host,              ///< an empty host ("http://", "http://user@/x")
    forbidden_host_code_point, ///< the host holds a code point no domain may hold
    empty_domain,              ///< nothing is left of the host after IDNA mapping
    idna,                      ///< UTS #46 ToASCII failed (libidn2's code alongside)
    bad_ipv4,                  ///< the host ends in a number but is not an IPv4 address
    bad_ipv6,                  ///< the bracketed host is not an IPv6 address
    bad_port,                  ///< not digits, or over 65535
};

} // namespace crawl::url::detail
