// The synthetic web's hosts, the layout of their pages, URLs and routing, and redirect chains.
// Links and head of a page: links.cpp; HTML: html.cpp; robots.txt and sitemaps: crawl_files.cpp.

#include "support/web/web.hpp"

#include "support/web/random.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

// GCC 12 at -O2 and above warns that "literal" + std::string may overlap in memcpy (GCC bug
// 105329, a false positive in libstdc++'s own code), which breaks Release builds with
// CRAWL_WERROR; this file builds many URLs that way.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ == 12
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

namespace crawl::test::web {

namespace {

/// A decimal number in canonical form (no sign, no leading zero) that fits 32 bits.
std::optional<std::uint32_t> number(std::string_view s)
{
    if (s.empty() || s.size() > 10 || (s.size() > 1 && s[0] == '0')) {
        return std::nullopt;
    }
    std::uint64_t n = 0;
    for (const char c : s) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (n > 0xFFFFFFFFULL) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(n);
}

/// The rest of `s` after `prefix`, when it starts with it.
std::optional<std::string_view> after(std::string_view s, std::string_view prefix)
{
    if (!s.starts_with(prefix)) {
        return std::nullopt;
    }
    return s.substr(prefix.size());
}

/// The number between `prefix` and `suffix` that make up all of `s`.
std::optional<std::uint32_t> number_between(std::string_view s, std::string_view prefix, std::string_view suffix)
{
    const auto rest = after(s, prefix);
    if (!rest || !rest->ends_with(suffix)) {
        return std::nullopt;
    }
    return number(rest->substr(0, rest->size() - suffix.size()));
}

std::string six_digits(std::uint32_t n)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "%06u", n);
    return buf;
}

} // namespace

std::string_view directory_of(std::string_view path) noexcept
{
    path = path.substr(0, path.find('?'));
    const auto slash = path.rfind('/');
    return slash == std::string_view::npos ? std::string_view("/") : path.substr(0, slash + 1);
}

web::web(web_params params) : params_(params), filler_(params.seed)
{
    if (params_.hosts == 0 || params_.hosts > max_hosts) {
        throw std::invalid_argument("synthetic web: hosts must be 1 to 1,000,000");
    }
    if (params_.pages < params_.hosts || params_.pages / params_.hosts >= 0xFFFFFFFFULL) {
        throw std::invalid_argument("synthetic web: at least one page per host, fewer than 2^32");
    }
    if (params_.hosts_per_domain == 0 || params_.dir_pages < 2 || params_.sitemap_urls == 0) {
        throw std::invalid_argument("synthetic web: hosts_per_domain, dir_pages, sitemap_urls too small");
    }
    if (params_.page_bytes < 256 || params_.page_bytes > (16U << 20) || params_.bomb_mib > 4096) {
        throw std::invalid_argument("synthetic web: page_bytes must be 256 B to 16 MiB, bomb_mib at most 4096");
    }
}

std::string web::host_name(std::uint32_t host) const
{
    const std::uint32_t domain = domain_of(host);
    const std::uint32_t rank = host % params_.hosts_per_domain;
    if (rank == 0) {
        return domain_name(domain);
    }
    return "h" + six_digits(host) + (rank % 2 == 1 ? "." : ".sub.") + domain_name(domain);
}

std::optional<std::uint32_t> web::host_index(std::string_view name) const
{
    if (name.size() < 12 || name.size() > 40) {
        return std::nullopt;
    }
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
    // "hNNNNNN." names the host, "dNNNNNN.test" the first host of a domain.
    std::uint64_t n = 0;
    for (std::size_t i = 1; i <= 6; ++i) {
        if (lower[i] < '0' || lower[i] > '9') {
            return std::nullopt;
        }
        n = n * 10 + static_cast<std::uint64_t>(lower[i] - '0');
    }
    if (lower[0] == 'd') {
        n *= params_.hosts_per_domain;
    } else if (lower[0] != 'h') {
        return std::nullopt;
    }
    if (n >= params_.hosts || host_name(static_cast<std::uint32_t>(n)) != lower) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(n);
}

std::uint32_t web::domain_of(std::uint32_t host) const noexcept
{
    return host / params_.hosts_per_domain;
}

std::string web::domain_name(std::uint32_t domain) const
{
    return "d" + six_digits(domain) + ".test";
}

std::string web::origin(std::uint32_t host) const
{
    std::string o = "http://" + host_name(host);
    if (params_.port != 80) {
        o += ":" + std::to_string(params_.port);
    }
    return o;
}

std::uint64_t web::pages_on(std::uint32_t host) const noexcept
{
    return params_.pages / params_.hosts + (host < params_.pages % params_.hosts ? 1 : 0);
}

std::uint32_t web::landing_pages(std::uint32_t host) const noexcept
{
    const std::uint64_t n = pages_on(host);
    return n >= 8 ? static_cast<std::uint32_t>(std::max<std::uint64_t>(1, n / 40)) : 0;
}

std::uint32_t web::archive_pages(std::uint32_t host) const noexcept
{
    const std::uint64_t n = pages_on(host);
    return n >= 8 ? static_cast<std::uint32_t>(std::max<std::uint64_t>(1, n / 20)) : 0;
}

std::uint32_t web::linkable_pages(std::uint32_t host) const noexcept
{
    return static_cast<std::uint32_t>(pages_on(host) - landing_pages(host) - archive_pages(host));
}

std::string web::page_path(std::uint32_t host, std::uint32_t index) const
{
    const std::uint32_t linkable = linkable_pages(host);
    if (index == 0) {
        return "/";
    }
    if (index < linkable) {
        const std::uint32_t dir = (index - 1) / params_.dir_pages;
        const std::string d = "/d" + std::to_string(dir) + "/";
        return index == 1 + dir * params_.dir_pages ? d : d + "p" + std::to_string(index) + ".html";
    }
    return (index < linkable + landing_pages(host) ? "/moved/p" : "/archive/p") + std::to_string(index) + ".html";
}

std::string web::path(const resource& r) const
{
    switch (r.kind) {
    case kind::page:
        return page_path(r.host, r.a);
    case kind::print:
        return page_path(r.host, r.a) + "?print=1";
    case kind::missing:
        switch (r.b) {
        case 0:
            return "/gone/" + std::to_string(r.a) + ".html";
        case 1:
            return "/gone/r" + std::to_string(r.a) + ".html";
        case 2:
            return "/gone/over-limit.html";
        default:
            return "/gone/over-bomb.html";
        }
    case kind::redirect:
        return "/r/" + std::to_string(r.a) + (r.b == 0 ? "" : "/" + std::to_string(r.b));
    case kind::calendar:
        return "/calendar/" + std::to_string(r.a) + "/" + std::to_string(r.b);
    case kind::robots:
        return "/robots.txt";
    case kind::sitemap:
        return "/sitemap.xml";
    case kind::sitemap_file:
        return "/sitemaps/pages-" + std::to_string(r.a) + (r.a % 2 == 1 ? ".xml.gz" : ".xml");
    case kind::sitemap_huge:
        return "/sitemaps/huge.xml";
    case kind::sitemap_bomb:
        return "/sitemaps/bomb.xml.gz";
    case kind::external:
        return "/";
    }
    return "/";
}

std::string web::url(const resource& r) const
{
    if (r.kind == kind::external) {
        return "http://x" + std::to_string(r.a) + ".invalid/";
    }
    return origin(r.host) + path(r);
}

std::optional<resource> web::route(std::uint32_t host, std::string_view target) const
{
    if (host >= params_.hosts || target.size() > 200) {
        return std::nullopt;
    }
    const auto q = target.find('?');
    const std::string_view p = target.substr(0, q);
    std::optional<resource> r = route_page(host, p);
    if (r && q != std::string_view::npos) {
        // Only linkable pages have a print view.
        r = r->a < linkable_pages(host) ? std::optional<resource>(resource{kind::print, host, r->a, 0}) : std::nullopt;
    } else if (!r && q == std::string_view::npos) {
        r = route_other(host, p);
    }
    // One spelling per resource: anything but the one path() writes is not found.
    if (r && path(*r) != target) {
        return std::nullopt;
    }
    return r;
}

std::optional<resource> web::route_page(std::uint32_t host, std::string_view p) const
{
    const std::uint64_t n = pages_on(host);
    const std::uint32_t linkable = linkable_pages(host);
    std::optional<std::uint32_t> index;
    if (p == "/") {
        index = 0;
    } else if (auto i = number_between(p, "/moved/p", ".html")) {
        index = *i >= linkable && *i < linkable + landing_pages(host) ? i : std::nullopt;
    } else if (auto j = number_between(p, "/archive/p", ".html")) {
        index = *j >= linkable + landing_pages(host) && *j < n ? j : std::nullopt;
    } else if (auto rest = after(p, "/d")) {
        const auto slash = rest->find('/');
        const auto dir = number(rest->substr(0, slash));
        if (!dir || slash == std::string_view::npos) {
            return std::nullopt;
        }
        const std::string_view file = rest->substr(slash + 1);
        const std::uint64_t first = 1 + static_cast<std::uint64_t>(*dir) * params_.dir_pages;
        if (file.empty()) {
            index = first < linkable ? std::optional<std::uint32_t>(static_cast<std::uint32_t>(first)) : std::nullopt;
        } else {
            index = number_between(file, "p", ".html");
            index = index && *index > 0 && *index < linkable ? index : std::nullopt;
        }
    }
    if (!index) {
        return std::nullopt;
    }
    return resource{kind::page, host, *index, 0};
}

std::optional<resource> web::route_other(std::uint32_t host, std::string_view p) const
{
    const sitemap_style style = sitemaps_of(host);
    if (p == "/robots.txt") {
        return resource{kind::robots, host, 0, 0};
    }
    if (p == "/sitemap.xml") {
        if (style == sitemap_style::index_in_robots || style == sitemap_style::index_unnamed) {
            return resource{kind::sitemap, host, 0, 0};
        }
        return std::nullopt;
    }
    if (auto rest = after(p, "/sitemaps/"); rest && style != sitemap_style::none) {
        if (params_.hostile_sitemaps && *rest == "huge.xml") {
            return resource{kind::sitemap_huge, host, 0, 0};
        }
        if (params_.hostile_sitemaps && *rest == "bomb.xml.gz") {
            return resource{kind::sitemap_bomb, host, 0, 0};
        }
        const auto file = rest->ends_with(".gz") ? number_between(*rest, "pages-", ".xml.gz")
                                                 : number_between(*rest, "pages-", ".xml");
        if (file && *file < sitemap_files(host)) {
            return resource{kind::sitemap_file, host, *file, 0};
        }
        return std::nullopt;
    }
    if (auto rest = after(p, "/gone/")) {
        if (*rest == "over-limit.html" || *rest == "over-bomb.html") {
            return resource{kind::missing, host, 0, *rest == "over-limit.html" ? 2U : 3U};
        }
        if (auto c = number_between(*rest, "r", ".html")) {
            return *c < chains(host) ? std::optional<resource>(resource{kind::missing, host, *c, 1}) : std::nullopt;
        }
        if (auto x = number_between(*rest, "", ".html")) {
            return resource{kind::missing, host, *x, 0};
        }
        return std::nullopt;
    }
    if (auto rest = after(p, "/r/")) {
        const auto slash = rest->find('/');
        const auto chain = number(rest->substr(0, slash));
        const auto hop = slash == std::string_view::npos ? std::optional<std::uint32_t>(0) : number(rest->substr(slash + 1));
        if (chain && hop && *chain < chains(host) && *hop < chain_hops(host, *chain)) {
            return resource{kind::redirect, host, *chain, *hop};
        }
        return std::nullopt;
    }
    if (auto rest = after(p, "/calendar/")) {
        const auto slash = rest->find('/');
        const auto year = number(rest->substr(0, slash));
        const auto month = slash == std::string_view::npos ? std::nullopt : number(rest->substr(slash + 1));
        if (year && month && *year >= 1 && *year <= 999'999 && *month >= 1 && *month <= 12) {
            return resource{kind::calendar, host, *year, *month};
        }
    }
    return std::nullopt;
}

std::optional<resource> web::resource_of(std::string_view url) const
{
    const auto rest = after(url, "http://");
    if (!rest) {
        return std::nullopt;
    }
    const auto slash = rest->find('/');
    if (slash == std::string_view::npos) {
        return std::nullopt;
    }
    const std::string_view authority = rest->substr(0, slash);
    const std::string_view target = rest->substr(slash);
    if (const auto x = number_between(authority, "x", ".invalid"); x && target == "/") {
        return resource{kind::external, 0, *x, 0};
    }
    const auto colon = authority.find(':');
    const std::string_view name = authority.substr(0, colon);
    const std::string port = colon == std::string_view::npos ? "" : std::string(authority.substr(colon + 1));
    if (port != (params_.port == 80 ? "" : std::to_string(params_.port))) {
        return std::nullopt;
    }
    const auto host = host_index(name);
    if (!host || host_name(*host) != name) {
        return std::nullopt;
    }
    return route(*host, target);
}

std::uint32_t web::chain_hops(std::uint32_t host, std::uint32_t chain) const noexcept
{
    return 1 + static_cast<std::uint32_t>(mix({params_.seed, host, chain, 0x4095}) % 3);
}

unsigned web::redirect_status(const resource& hop) const noexcept
{
    return (mix({params_.seed, hop.host, hop.a, hop.b, 0xC0DE}) & 1) != 0 ? 301 : 302;
}

std::uint32_t web::chain_destination(std::uint32_t host, std::uint32_t chain) const noexcept
{
    // Chain c of every host crosses by the same offset, so the landing page (d, c) is the end
    // of exactly one chain: that of host d - offset(c).
    const bool crosses = params_.hosts > 1 && (chain % 5 == 1 || chain % 5 == 3);
    if (!crosses) {
        return host;
    }
    const std::uint64_t offset = 1 + mix({params_.seed, chain, 0x0FF5E7}) % (params_.hosts - 1);
    return static_cast<std::uint32_t>((host + offset) % params_.hosts);
}

resource web::chain_end(std::uint32_t host, std::uint32_t chain) const
{
    const std::uint32_t dest = chain_destination(host, chain);
    // A chain never ends on the host whose robots.txt is 503 (a crawl that follows redirects
    // inside one fetch and one that queues each hop would disagree there), nor past the
    // landing pages of a host with fewer: those end in a 404 on the chain's own host.
    if (dest != host && (dest == params_.robots_503_host || chain >= landing_pages(dest))) {
        return resource{kind::missing, host, chain, 1};
    }
    return resource{kind::page, dest, linkable_pages(dest) + chain, 0};
}

resource web::redirect_target(const resource& hop) const
{
    if (hop.b + 1 < chain_hops(hop.host, hop.a)) {
        return resource{kind::redirect, hop.host, hop.a, hop.b + 1};
    }
    return chain_end(hop.host, hop.a);
}

std::string web::location(const resource& hop) const
{
    const resource next = redirect_target(hop);
    const bool root_relative = next.host == hop.host && (mix({params_.seed, hop.host, hop.a, hop.b, 0x10C}) & 1) != 0;
    return root_relative ? path(next) : url(next);
}

} // namespace crawl::test::web
