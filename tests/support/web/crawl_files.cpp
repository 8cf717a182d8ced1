// What a synthetic host says to crawlers: its robots.txt (RFC 9309) and its sitemaps
// (sitemaps.org protocol: indexes, urlsets, gzipped files; and, with hostile_sitemaps, a
// file over the 50,000-URL limit and a gzip bomb over the 50 MiB one).

#include "support/encoder.hpp"
#include "support/web/random.hpp"
#include "support/web/web.hpp"
#include "support/wildcard_match.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>

namespace crawl::test::web {

namespace {

constexpr std::string_view xml_head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
constexpr std::string_view urlset_open = "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";

std::string url_entry(const std::string& loc, std::uint64_t day)
{
    return "<url><loc>" + loc + "</loc><lastmod>2026-11-" + (day % 28 < 9 ? "0" : "") + std::to_string(day % 28 + 1) +
           "</lastmod><changefreq>weekly</changefreq></url>\n";
}

/// `mib` MiB of spaces, deflated once per size for the whole process.
std::shared_ptr<const deflated_block> blank_run(std::uint32_t mib)
{
    static std::mutex mutex;
    static std::map<std::uint32_t, std::shared_ptr<const deflated_block>> runs;
    const std::scoped_lock lock(mutex);
    auto& slot = runs[mib];
    if (!slot) {
        slot = std::make_shared<const deflated_block>(deflate_block(" ", static_cast<std::uint64_t>(mib) << 20));
    }
    return slot;
}

} // namespace

robots_policy web::robots(std::uint32_t host) const
{
    robots_policy p;
    if (host == params_.robots_404_host) {
        p.status = 404;
        return p;
    }
    if (host == params_.robots_503_host) {
        p.status = 503;
        return p;
    }
    const sitemap_style style = sitemaps_of(host);
    if (style == sitemap_style::index_in_robots) {
        p.sitemap_urls.push_back(url(resource{kind::sitemap, host, 0, 0}));
    } else if (style == sitemap_style::files_in_robots) {
        for (std::uint32_t f = 0; f < sitemap_files(host); ++f) {
            p.sitemap_urls.push_back(url(resource{kind::sitemap_file, host, f, 0}));
        }
    }
    if (host % 5 == 4) {
        return p; // a robots.txt that allows everything
    }
    // One directory closed but one page in it (the longer Allow wins), the print views, and
    // pages whose number ends in 5 (a '*' and a '$').
    const std::uint32_t linkable = linkable_pages(host);
    const std::uint32_t dirs = linkable > 1 ? (linkable - 2) / params_.dir_pages + 1 : 0;
    if (dirs >= 2) {
        const std::uint32_t closed = 1 + host % (dirs - 1);
        const std::uint32_t first = 1 + closed * params_.dir_pages;
        p.rules.push_back({false, "/d" + std::to_string(closed) + "/"});
        if (first + 1 < linkable) {
            p.rules.push_back({true, path(resource{kind::page, host, first + 1, 0})});
        }
    }
    p.rules.push_back({false, "/*?print="});
    p.rules.push_back({false, "/d*/p*5.html$"});
    return p;
}

std::string web::robots_txt(std::uint32_t host) const
{
    const robots_policy p = robots(host);
    std::string t = "# robots.txt of " + host_name(host) + " (synthetic web, seed " + std::to_string(params_.seed) +
                    ")\nUser-agent: ExampleBot\nDisallow: /\n\nUser-agent: *\n";
    if (p.rules.empty()) {
        t += "Disallow:\n";
    }
    for (const robots_rule& r : p.rules) {
        t += (r.allow ? "Allow: " : "Disallow: ") + r.pattern + "\n";
    }
    if (params_.crawl_delay > 0 && !p.rules.empty()) {
        t += "Crawl-delay: " + std::to_string(params_.crawl_delay) + "\n";
    }
    if (!p.sitemap_urls.empty()) {
        t += "\n";
    }
    for (const std::string& s : p.sitemap_urls) {
        t += "Sitemap: " + s + "\n";
    }
    return t;
}

bool web::robots_allow(const resource& r) const
{
    if (r.kind == kind::external || r.kind == kind::robots) {
        return true;
    }
    const robots_policy p = robots(r.host);
    if (p.status >= 500) {
        return false;
    }
    const std::string target = path(r);
    const robots_rule* decided = nullptr;
    for (const robots_rule& rule : p.rules) {
        if (!reference_match(rule.pattern, target)) {
            continue;
        }
        if (decided == nullptr || rule.pattern.size() > decided->pattern.size() ||
            (rule.pattern.size() == decided->pattern.size() && rule.allow)) {
            decided = &rule;
        }
    }
    return decided == nullptr || decided->allow;
}

sitemap_style web::sitemaps_of(std::uint32_t host) const noexcept
{
    return static_cast<sitemap_style>(host % 4);
}

std::uint32_t web::sitemap_files(std::uint32_t host) const noexcept
{
    if (sitemaps_of(host) == sitemap_style::none) {
        return 0;
    }
    const std::uint64_t urls = linkable_pages(host) + archive_pages(host);
    return static_cast<std::uint32_t>((urls + params_.sitemap_urls - 1) / params_.sitemap_urls);
}

std::vector<resource> web::sitemap_pages(std::uint32_t host) const
{
    const auto requests = sitemap_requests(host);
    if (std::none_of(requests.begin(), requests.end(), [](const resource& r) { return r.kind == kind::sitemap_file; })) {
        return {};
    }
    return listed_pages(host);
}

std::vector<resource> web::listed_pages(std::uint32_t host) const
{
    std::vector<resource> out;
    const std::uint32_t linkable = linkable_pages(host);
    const std::uint32_t archive_start = linkable + landing_pages(host);
    const std::uint64_t total = linkable + static_cast<std::uint64_t>(archive_pages(host));
    for (std::uint64_t n = 0; n < total; ++n) {
        const auto index = static_cast<std::uint32_t>(n < linkable ? n : archive_start + (n - linkable));
        out.push_back(resource{kind::page, host, index, 0});
    }
    return out;
}

std::vector<resource> web::sitemap_requests(std::uint32_t host) const
{
    std::vector<resource> out;
    const robots_policy p = robots(host);
    if (p.status >= 500) {
        return out; // nothing may be fetched there, sitemaps included
    }
    const sitemap_style style = sitemaps_of(host);
    const bool named = p.status == 200 && style != sitemap_style::index_unnamed && style != sitemap_style::none;
    const bool files_named = named && style == sitemap_style::files_in_robots;
    if (!files_named) {
        out.push_back(resource{kind::sitemap, host, 0, 0}); // named, or the place to try
        if (style != sitemap_style::index_in_robots && style != sitemap_style::index_unnamed) {
            return out; // a 404
        }
    }
    for (std::uint32_t f = 0; f < sitemap_files(host); ++f) {
        out.push_back(resource{kind::sitemap_file, host, f, 0});
    }
    if (params_.hostile_sitemaps && !files_named) {
        out.push_back(resource{kind::sitemap_huge, host, 0, 0});
        out.push_back(resource{kind::sitemap_bomb, host, 0, 0});
    }
    return out;
}

std::string web::sitemap_body(const resource& r) const
{
    std::string xml(xml_head);
    if (r.kind == kind::sitemap) {
        xml += "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
        std::vector<resource> files;
        for (std::uint32_t f = 0; f < sitemap_files(r.host); ++f) {
            files.push_back(resource{kind::sitemap_file, r.host, f, 0});
        }
        if (params_.hostile_sitemaps) {
            files.push_back(resource{kind::sitemap_huge, r.host, 0, 0});
            files.push_back(resource{kind::sitemap_bomb, r.host, 0, 0});
        }
        for (const resource& f : files) {
            xml += "<sitemap><loc>" + url(f) + "</loc><lastmod>2026-11-30</lastmod></sitemap>\n";
        }
        return xml + "</sitemapindex>\n";
    }
    xml += urlset_open;
    if (r.kind == kind::sitemap_file) {
        const std::vector<resource> all = listed_pages(r.host);
        const std::uint64_t first = static_cast<std::uint64_t>(r.a) * params_.sitemap_urls;
        for (std::uint64_t n = first; n < all.size() && n < first + params_.sitemap_urls; ++n) {
            xml += url_entry(url(all[n]), mix({params_.seed, r.host, all[n].a}));
        }
        xml += "</urlset>\n";
        return r.a % 2 == 1 ? encode(wrapping::gzip, xml) : xml;
    }
    if (r.kind == kind::sitemap_huge) {
        // The protocol's 50,000 URLs (the host's pages over and over), then one more that a
        // crawler keeping to the limit never requests.
        const std::uint32_t linkable = linkable_pages(r.host);
        for (std::uint32_t n = 0; n + 1 < huge_sitemap_urls; ++n) {
            xml += url_entry(url(resource{kind::page, r.host, n % linkable, 0}), n);
        }
        xml += url_entry(url(resource{kind::missing, r.host, 0, 2}), 0);
        return xml + "</urlset>\n";
    }
    // The bomb: a valid urlset whose one URL past bomb_mib MiB of blanks a crawler keeping to
    // the 50 MiB limit never reaches.
    const auto run = blank_run(params_.bomb_mib);
    pieces body;
    body.text(xml + url_entry(url(resource{kind::page, r.host, 0, 0}), 0) + "<!-- ");
    body.block(*run);
    body.text(" -->\n" + url_entry(url(resource{kind::missing, r.host, 0, 3}), 0) + "</urlset>\n");
    return body.gzip();
}

} // namespace crawl::test::web
