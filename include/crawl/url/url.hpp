#pragma once
// URLs as browsers read them: the WHATWG URL Standard's parser for http and https, with host
// names through UTS #46 IDNA (libidn2). Every URL crawl reads, resolves or writes goes through
// here, so one URL has one form everywhere: its serialization without fragment.

#include "crawl/url/layout.hpp"
#include "crawl/url/target.hpp"
#include "crawl/util/error_class.hpp"

#include <boost/system/result.hpp>

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

/// Parses one input line (already trimmed) with no base URL. The target's href is the URL
/// serializer's output without fragment: scheme and host lowercase, the host through IDNA
/// (`faß.example` is `xn--fa-hia.example`) or an IP address in its canonical form, no default
/// port, dot segments resolved, bytes outside the standard's percent-encode sets encoded (the
/// escapes already there are kept as written). Errors: invalid_url (no scheme, no host or an
/// invalid one, a port outside 1-65535), unsupported_scheme (a URL with another scheme).
[[nodiscard]] result<target> parse_input(std::string_view line);

/// Resolves a redirect's Location value against the URL that answered. Errors as parse_input
/// (an empty Location is invalid_url).
[[nodiscard]] result<target> resolve_redirect(const target& base, std::string_view location);

/// Resolves a reference that names a URL to fetch (a sitemap's <loc>) against the URL it came
/// from. Errors as parse_input: unlike resolve_link, a URL crawl cannot fetch (port 0) is one.
[[nodiscard]] result<target> resolve_fetchable(const target& base, std::string_view reference);

/// Resolves an href, src or canonical URL found in a page against the document's base URL:
/// the link a browser would follow, serialized without fragment, or nullopt when there is none
/// (another scheme such as javascript:, mailto: or data:, or what the parser rejects). An empty
/// href links to the base URL itself, as in browsers.
[[nodiscard]] std::optional<std::string> resolve_link(const target& base, std::string_view href);

/// Resolves a page's links against its base URL as resolve_link does, without taking the base
/// apart for each link or allocating a string per link: the base is read once, and each link
/// is written into a buffer the caller reuses. `base` must outlive the resolver.
class link_resolver {
public:
    explicit link_resolver(const target& base) noexcept;

    /// resolve_link(base, href) into `out`: true with the link, or false (`out` then holds
    /// nothing of use) where resolve_link gives nullopt.
    [[nodiscard]] bool resolve(std::string_view href, std::string& out) const;

private:
    const target* base_;
    detail::base_parts parts_; ///< the base taken apart once
};

/// The document's base URL that <base href> sets, resolved against the document's URL: what the
/// page's links then resolve against, or nullopt (no http(s) URL: the document's URL stays).
[[nodiscard]] std::optional<target> resolve_base(const target& document, std::string_view href);

} // namespace crawl::url
