#pragma once
// Parsing, normalizing and resolving URLs (Boost.URL underneath).

#include "crawl/url/target.hpp"
#include "crawl/util/error_class.hpp"

#include <boost/system/result.hpp>
#include <boost/url/url_view.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace crawl {
/// Lets boost::system::result<T, failure>::value() throw (it reports a broken invariant).
[[noreturn]] void throw_exception_from_error(const failure& f, const boost::source_location& loc);
} // namespace crawl

namespace crawl::url {

template <class T>
using result = boost::system::result<T, failure>;

/// Parses one input line (already trimmed). Normalization: scheme and host lowercased,
/// default port removed, dot segments removed, empty path becomes "/", percent-encoding
/// normalized, fragment dropped. Errors: invalid_url (not a URL, missing scheme or host,
/// bad port), unsupported_scheme (a URL with another scheme).
[[nodiscard]] result<target> parse_input(std::string_view line);

/// Resolves a redirect's Location value against the URL that answered (RFC 3986 reference
/// resolution, tolerant of spaces and raw UTF-8 which are percent-encoded first).
/// Errors as parse_input.
[[nodiscard]] result<target> resolve_redirect(const target& base, std::string_view location);

/// Resolves an href found in a page against the document's base URL and normalizes it.
/// Tab, CR and LF are stripped first (as WHATWG does); javascript:, mailto:, data:, tel: and
/// any other non-http(s) result give nullopt, as do hrefs that do not parse.
[[nodiscard]] std::optional<std::string> resolve_link(boost::urls::url_view base, std::string_view href);

} // namespace crawl::url
