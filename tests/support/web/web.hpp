#pragma once
// The synthetic web: a deterministic web of many hosts, computed on demand from a few numbers
// (web_params), nothing stored per page. Every resource (a page, a redirect hop, a robots.txt,
// a sitemap...) has exactly one URL, and the same parameters always give the same bytes.
// The server (server.hpp) serves it, the oracle (oracle.hpp) says what a correct crawl of it
// fetches; tests/support/README.md ("The synthetic web") describes the hosts, routes and links.

#include "support/web/filler.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crawl::test::web {

/// What a synthetic web is made of; everything it serves follows from these values.
struct web_params {
    std::uint64_t seed = 1;
    std::uint64_t pages = 1000;         ///< HTML pages in all hosts (at least one per host)
    std::uint32_t hosts = 10;           ///< at most max_hosts
    std::uint32_t hosts_per_domain = 4; ///< hosts that share one registrable domain
    std::uint32_t dir_pages = 50;       ///< pages per directory /dK/ (its index page included)
    std::uint32_t page_bytes = 32768;   ///< mean HTML bytes of an article page
    std::uint32_t sitemap_urls = 500;   ///< URLs per sitemap file (the protocol allows 50,000)
    std::uint16_t port = 0;             ///< the port every absolute link names (the server's)
    std::optional<std::uint32_t> robots_404_host = 1; ///< a host whose robots.txt is 404
    std::optional<std::uint32_t> robots_503_host = 2; ///< a host whose robots.txt is 503
    double crawl_delay = 0;             ///< Crawl-delay (seconds) of hosts with rules; 0: none
    bool hostile_sitemaps = false;      ///< sitemap indexes also list an over-limit and a bomb file
    std::uint32_t bomb_mib = 64;        ///< decoded MiB of the bomb sitemap (the protocol's cap is 50)
};

inline constexpr std::uint32_t max_hosts = 1'000'000;
/// The months of the endless calendar start here: /calendar/2026/12.
inline constexpr std::uint32_t calendar_start_year = 2026;
inline constexpr std::uint32_t calendar_start_month = 12;
/// URLs in the hostile over-limit sitemap: one more than the protocol's 50,000.
inline constexpr std::uint32_t huge_sitemap_urls = 50'001;

enum class kind : std::uint8_t {
    page,         ///< an HTML page: a = its index on the host
    print,        ///< the print view of page a: path?print=1 (no links)
    missing,      ///< a 404 that links point to: b = 0 /gone/{a}.html, 1 /gone/r{a}.html (a
                  ///< redirect's end), 2 /gone/over-limit.html, 3 /gone/over-bomb.html
    redirect,     ///< hop b of redirect chain a: /r/{a} (b = 0), /r/{a}/{b}
    calendar,     ///< /calendar/{a}/{b}: year a, month b, links to the next month forever
    robots,       ///< /robots.txt
    sitemap,      ///< /sitemap.xml, a sitemap index
    sitemap_file, ///< /sitemaps/pages-{a}.xml (even a) or .xml.gz (odd a)
    sitemap_huge, ///< /sitemaps/huge.xml: huge_sitemap_urls URLs (hostile_sitemaps)
    sitemap_bomb, ///< /sitemaps/bomb.xml.gz: bomb_mib MiB decoded (hostile_sitemaps)
    external,     ///< http://x{a}.invalid/: a name that never resolves (RFC 6761)
};

/// One resource of the web. `key()` packs it into 64 bits (kind 4, host 20, b 8, a 32).
struct resource {
    web::kind kind = kind::page;
    std::uint32_t host = 0;
    std::uint32_t a = 0;
    std::uint32_t b = 0;

    [[nodiscard]] std::uint64_t key() const noexcept
    {
        return static_cast<std::uint64_t>(kind) << 60 | static_cast<std::uint64_t>(host & 0xFFFFF) << 40 |
               static_cast<std::uint64_t>(b & 0xFF) << 32 | a;
    }
    friend bool operator==(const resource&, const resource&) = default;
};

enum class element : std::uint8_t { a, area, iframe, frame };

/// One link as a page carries it: where it leads, and how it is written.
struct link {
    resource target;
    web::element element = element::a;
    bool nofollow = false; ///< rel=nofollow (or a rel list with that token)
    std::string href;      ///< the attribute value, relative or absolute (no character needs escaping)
};

/// Everything a page is made of but its filler text.
struct page_plan {
    std::string title;
    std::string description;
    std::string meta_robots;   ///< content of <meta name=robots>; empty: none
    bool nofollow_page = false; ///< meta_robots forbids following this page's links
    std::string base_href;     ///< <base href>; empty: none
    bool frameset = false;     ///< a <frameset> page: its links are <frame src>
    std::size_t nav_links = 0; ///< links[0, nav_links) are the navigation bar
    std::vector<link> links;   ///< document order: navigation, body <a>, <area>, <iframe>
    std::uint32_t filler_bytes = 0; ///< text around the links
};

/// One robots.txt rule of the group for '*'.
struct robots_rule {
    bool allow = false;
    std::string pattern;
};

/// How a host answers /robots.txt and where its sitemaps are.
struct robots_policy {
    unsigned status = 200;                 ///< 200, 404 or 503
    std::vector<robots_rule> rules;        ///< the '*' group (another group names a different bot)
    std::vector<std::string> sitemap_urls; ///< its Sitemap: lines
};

/// How a crawler finds a host's sitemaps: named in robots.txt, at /sitemap.xml only, or none.
enum class sitemap_style : std::uint8_t { index_in_robots, files_in_robots, index_unnamed, none };

class web {
public:
    /// Throws std::invalid_argument for parameters out of range.
    explicit web(web_params params);

    [[nodiscard]] const web_params& params() const noexcept { return params_; }

    // Hosts and names.
    [[nodiscard]] std::uint32_t hosts() const noexcept { return params_.hosts; }
    /// d000010.test (the first host of domain 10), h000041.d000010.test,
    /// h000042.sub.d000010.test: the registrable domain (Public Suffix List, default rule
    /// "*") is always the last two labels, d000010.test.
    [[nodiscard]] std::string host_name(std::uint32_t host) const;
    /// The host a name (lowercase or not, no port) denotes; nullopt for any other name.
    [[nodiscard]] std::optional<std::uint32_t> host_index(std::string_view name) const;
    [[nodiscard]] std::uint32_t domain_of(std::uint32_t host) const noexcept;
    [[nodiscard]] std::string domain_name(std::uint32_t domain) const;
    /// "http://NAME:PORT" (no port when it is 80).
    [[nodiscard]] std::string origin(std::uint32_t host) const;

    // Pages of a host: [0, linkable) are linked (0 is "/", /dK/ indexes, /dK/pI.html), then
    // landing pages only redirects reach (/moved/pI.html), then archive pages only sitemaps
    // list (/archive/pI.html).
    [[nodiscard]] std::uint64_t pages_on(std::uint32_t host) const noexcept;
    [[nodiscard]] std::uint32_t linkable_pages(std::uint32_t host) const noexcept;
    [[nodiscard]] std::uint32_t landing_pages(std::uint32_t host) const noexcept;
    [[nodiscard]] std::uint32_t archive_pages(std::uint32_t host) const noexcept;
    /// Redirect chains that start on a host (as many as its landing pages).
    [[nodiscard]] std::uint32_t chains(std::uint32_t host) const noexcept { return landing_pages(host); }

    // URLs. Every resource has exactly one URL: route() accepts nothing else.
    [[nodiscard]] std::string path(const resource& r) const; ///< path and query
    [[nodiscard]] std::string url(const resource& r) const;  ///< normalized absolute URL
    [[nodiscard]] std::optional<resource> route(std::uint32_t host, std::string_view target) const;
    /// The resource an absolute URL in normalized form names (as url() writes it).
    [[nodiscard]] std::optional<resource> resource_of(std::string_view url) const;

    // Content.
    [[nodiscard]] page_plan plan(const resource& page) const; ///< a page's links and head
    /// The links a crawler finds on a resource: a page's plan, the calendar's two; none for
    /// anything else.
    [[nodiscard]] std::vector<link> links(const resource& r) const;
    [[nodiscard]] std::string title(const resource& r) const;
    /// The body of a 200 page, print view or calendar month, as pieces (html.cpp).
    [[nodiscard]] pieces html(const resource& r) const;
    /// The small HTML body of a 404, a redirect hop, or an unknown path.
    [[nodiscard]] std::string small_html(std::string_view title) const;

    // Redirect chains: hop b of chain a of `host` answers redirect_status with a Location.
    [[nodiscard]] std::uint32_t chain_hops(std::uint32_t host, std::uint32_t chain) const noexcept;
    [[nodiscard]] unsigned redirect_status(const resource& hop) const noexcept;
    [[nodiscard]] resource redirect_target(const resource& hop) const; ///< the next hop or the end
    [[nodiscard]] std::string location(const resource& hop) const;    ///< as the header writes it
    /// Where a chain ends: a landing page (on this host or another), or a 404.
    [[nodiscard]] resource chain_end(std::uint32_t host, std::uint32_t chain) const;

    // robots.txt and sitemaps.
    [[nodiscard]] robots_policy robots(std::uint32_t host) const;
    [[nodiscard]] std::string robots_txt(std::uint32_t host) const;
    /// Whether the robots.txt of r's host lets a crawler fetch r ('*' group, RFC 9309
    /// longest match; a 404 allows everything, a 503 nothing).
    [[nodiscard]] bool robots_allow(const resource& r) const;
    [[nodiscard]] sitemap_style sitemaps_of(std::uint32_t host) const noexcept;
    [[nodiscard]] std::uint32_t sitemap_files(std::uint32_t host) const noexcept;
    /// The pages a crawler finds through a host's sitemaps (its linkable and archive pages, in
    /// file order), or none when robots.txt and /sitemap.xml lead to no sitemap file.
    [[nodiscard]] std::vector<resource> sitemap_pages(std::uint32_t host) const;
    /// What a crawler that reads the host's sitemaps requests, in order: /sitemap.xml when
    /// robots.txt names no sitemap, the index, the files (and the hostile ones).
    [[nodiscard]] std::vector<resource> sitemap_requests(std::uint32_t host) const;
    /// The body of a sitemap resource (gzip bytes for the .gz ones).
    [[nodiscard]] std::string sitemap_body(const resource& r) const;

    [[nodiscard]] const filler& text() const noexcept { return filler_; }

private:
    [[nodiscard]] std::string page_path(std::uint32_t host, std::uint32_t index) const;
    [[nodiscard]] std::optional<resource> route_page(std::uint32_t host, std::string_view path) const;
    [[nodiscard]] std::optional<resource> route_other(std::uint32_t host, std::string_view path) const;
    [[nodiscard]] std::uint32_t chain_destination(std::uint32_t host, std::uint32_t chain) const noexcept;
    /// What the sitemap files of a host list, in order.
    [[nodiscard]] std::vector<resource> listed_pages(std::uint32_t host) const;

    web_params params_;
    filler filler_;
};

/// The directory a path lies in: up to and including its last '/', query ignored.
[[nodiscard]] std::string_view directory_of(std::string_view path) noexcept;

} // namespace crawl::test::web
