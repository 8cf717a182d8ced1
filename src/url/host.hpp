#pragma once
// The URL Standard's host parser for special URLs (http, https).

#include "problem.hpp"

#include <string>
#include <string_view>

namespace crawl::url::detail {

/// Parses a host as written in an authority (not empty; tab and newline already removed) and
/// appends its serialization to `out`: a lowercase ASCII domain (percent-decoded, through IDNA
/// when it holds non-ASCII), an IPv4 address in dotted decimal, or an IPv6 address in brackets.
/// On problem::idna, `idna_code` is libidn2's error code.
problem parse_host(std::string_view input, std::string& out, int& idna_code);

} // namespace crawl::url::detail
