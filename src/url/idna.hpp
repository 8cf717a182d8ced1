#pragma once
// IDNA for the host parser: UTS #46 ToASCII through libidn2, with the URL Standard's flags as
// far as libidn2 allows (docs/design.md, "URLs", lists where it differs).

#include <string>
#include <string_view>

namespace crawl::url::detail {

/// UTS #46 ToASCII, non-transitional, of a percent-decoded domain that holds non-ASCII
/// (ill-formed UTF-8 fails, as the U+FFFD the standard would decode it to does): appends the ASCII domain to `out` and returns 0, or returns libidn2's error
/// code (`out` then holds part of the domain, which the caller drops).
int domain_to_ascii(std::string_view utf8_domain, std::string& out);

/// libidn2's description of one of its error codes.
std::string_view idna_error_text(int code) noexcept;

} // namespace crawl::url::detail
