#pragma once
// Sitemaps (sitemaps.org protocol 0.9) read as they stream in: XML <urlset> and
// <sitemapindex> files and plain-text lists of URLs, under the protocol's limits, safe on
// hostile files. Pure: no I/O. docs/design.md, "Sitemaps", says what is read and why.

#include "crawl/url/target.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

namespace crawl::sitemap {

/// The protocol's limits on one sitemap file: 50,000 URLs, 50 MiB (52,428,800 bytes)
/// uncompressed.
inline constexpr std::size_t max_urls = 50'000;
inline constexpr std::uint64_t max_bytes = 50ULL * 1024 * 1024;

struct limits {
    std::size_t max_urls = sitemap::max_urls;   ///< entries read; further ones are ignored
    std::uint64_t max_bytes = sitemap::max_bytes; ///< decoded bytes read; the rest is not
};

enum class kind {
    unknown,       ///< not decided yet (nothing but white space, a BOM or a prolog so far)
    urlset,        ///< <urlset>: its entries are pages
    index,         ///< <sitemapindex>: its entries are further sitemaps
    text,          ///< a plain-text sitemap, one URL per line: its entries are pages
    not_a_sitemap, ///< another root element (an HTML error page, a feed), or text whose first line is no URL
};

/// "urlset", "index", "text", "not_a_sitemap", "unknown".
[[nodiscard]] std::string_view name(kind k) noexcept;

/// What a file held. An entry is a <url> or <sitemap> element's first <loc>, or a non-blank
/// line of a text sitemap.
struct summary {
    sitemap::kind kind = sitemap::kind::unknown;
    std::uint64_t urls = 0;    ///< entries handed to the sink
    std::uint64_t ignored = 0; ///< entries past limits::max_urls, and a second <loc> in one entry
    std::uint64_t invalid = 0; ///< entries that gave no URL: empty, an undefined entity, not http(s), unparsable, over url::max_url_bytes
    bool too_large = false;    ///< the file went on past limits::max_bytes while it was being read: the rest was not
    /// Bytes of the body taken in (at most limits::max_bytes). Feeding stops once reading has
    /// stopped, so past the root element's end this depends on where the body was split.
    std::uint64_t bytes = 0;
};

/// Receives each entry's URL, resolved and normalized, in document order.
using url_sink = std::function<void(std::string_view url)>;

/// Reads one sitemap's decoded body (after Content-Encoding and any gzip file wrapping: see
/// body_reader), fed in chunks of any size: the URLs and the summary are the same however the
/// body is split. A UTF-8 BOM is skipped; the first other byte that is not white space
/// decides: '<' is XML, anything else a text sitemap.
///
/// XML: the root element's local name decides the kind (urlset or sitemapindex; namespaces
/// and prefixes are not checked); each entry is the first <loc> of a <url> (urlset) or
/// <sitemap> (index) child of the root, its text with the predefined entities, character
/// references and CDATA read, trimmed of white space, and resolved against the sitemap's URL
/// as a link is (url::resolve_link). A DOCTYPE is skipped unread: entities it would define
/// make their <loc> invalid, never expand. Reading stops at the root's end tag.
///
/// Text: each line, trimmed, is an absolute http(s) URL (url::parse_input); blank lines are
/// skipped. When the first non-blank line is none, the file is not_a_sitemap.
///
/// Memory: a tag name, one entry's text (an entry's raw text over 64 KiB is invalid, not
/// held) and what the sink keeps.
class reader {
public:
    reader(const url::target& sitemap_url, url_sink out, limits l = {});
    ~reader();
    reader(const reader&) = delete;
    reader& operator=(const reader&) = delete;

    /// The next piece of the body. Ignored once wants_more() is false.
    void feed(std::string_view chunk);

    /// False once more input cannot change the result: the root element ended, the file is
    /// not a sitemap, or limits::max_bytes was passed (the caller stops fetching).
    [[nodiscard]] bool wants_more() const noexcept;

    /// Ends the body (a last line without its line end counts; an entry cut off by the end of
    /// the body or by max_bytes does not) and returns the summary. An empty body, or one with
    /// no root element, is not_a_sitemap.
    summary finish();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace crawl::sitemap
