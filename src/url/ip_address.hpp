#pragma once
// IP address hosts as the WHATWG URL Standard reads and writes them: IPv4 in every number form
// browsers accept (hex, octal, fewer than four parts, a trailing dot), IPv6 with compression and
// an embedded IPv4 tail, and their serializations.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crawl::url::detail {

/// What the host parser does with a domain that may be an IPv4 address.
enum class ipv4_verdict {
    not_ipv4, ///< the last label is not a number: the domain stays a domain
    address,  ///< an IPv4 address
    invalid,  ///< the last label is a number, but the whole is not an address: failure
};

/// The standard's "ends in a number" check and IPv4 parser on an ASCII domain; `address` is
/// set when the verdict is `address`.
ipv4_verdict parse_ipv4(std::string_view domain, std::uint32_t& address) noexcept;

/// Appends `address` in dotted decimal.
void append_ipv4(std::uint32_t address, std::string& out);

/// Parses the text between the brackets of an IPv6 host and appends its serialization (lowercase
/// hex, no leading zeros, the longest run of two or more zero pieces compressed to "::", without
/// brackets) to `out`; false (and `out` unchanged) when it is not an IPv6 address.
bool parse_ipv6_host(std::string_view inside_brackets, std::string& out);

} // namespace crawl::url::detail
