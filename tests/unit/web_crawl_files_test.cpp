// Unit tests of what the synthetic web tells crawlers (tests/support/web/crawl_files.cpp):
// robots.txt parsed by crawl's own robots module decides as the web's model does, and the
// sitemaps (indexes, plain and gzipped files, the hostile ones) list what the model says,
// within the protocol's limits.

#include "crawl/robots/robots.hpp"
#include "support/web/responder.hpp"
#include "support/web/web.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <set>

namespace crawl::test::web {
namespace {

web_params params(std::uint64_t pages, std::uint32_t hosts)
{
    web_params p;
    p.pages = pages;
    p.hosts = hosts;
    p.port = 8080;
    p.page_bytes = 1024;
    p.sitemap_urls = 40;
    return p;
}

/// zlib's gunzip; `decoded` counts every byte, `out` keeps the first `keep`.
std::string gunzip(std::string_view gz, std::uint64_t& decoded, std::size_t keep = 16 << 20)
{
    z_stream z{};
    EXPECT_EQ(inflateInit2(&z, 31), Z_OK);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
    z.avail_in = static_cast<uInt>(gz.size());
    std::string out;
    std::string tail;
    char buf[65536];
    int rc = Z_OK;
    decoded = 0;
    while (rc == Z_OK) {
        z.next_out = reinterpret_cast<Bytef*>(buf);
        z.avail_out = sizeof buf;
        rc = inflate(&z, Z_NO_FLUSH);
        const std::size_t n = sizeof buf - z.avail_out;
        decoded += n;
        if (out.size() < keep) {
            out.append(buf, n);
        } else {
            tail.append(buf, n);
            tail.erase(0, tail.size() > 4096 ? tail.size() - 4096 : 0);
        }
    }
    EXPECT_EQ(rc, Z_STREAM_END);
    inflateEnd(&z);
    return out + tail;
}

std::vector<std::string> locs(std::string_view xml)
{
    std::vector<std::string> out;
    for (std::size_t at = xml.find("<loc>"); at != std::string_view::npos; at = xml.find("<loc>", at)) {
        const std::size_t end = xml.find("</loc>", at);
        out.emplace_back(xml.substr(at + 5, end - at - 5));
        at = end;
    }
    return out;
}

response fetch(const web& w, const resource& r)
{
    return respond(w, locate(w, w.host_name(r.host), w.path(r)), false);
}

TEST(WebCrawlFilesTest, CrawlsRobotsParserDecidesAsTheModel)
{
    const web w(params(3000, 10));
    int disallowed = 0;
    int checked = 0;
    for (std::uint32_t h = 0; h < w.hosts(); ++h) {
        const robots_policy policy = w.robots(h);
        const response file = fetch(w, {kind::robots, h, 0, 0});
        ASSERT_EQ(file.status, policy.status) << w.host_name(h);
        if (policy.status != 200) {
            EXPECT_EQ(h == 1 ? 404U : 503U, policy.status) << "host 1 answers 404, host 2 503";
            continue;
        }
        const robots::rules ours = robots::parse(file.body, "crawl");
        EXPECT_EQ(ours.list().size(), policy.rules.size()) << file.body;
        EXPECT_EQ(robots::parse(file.body, "ExampleBot").check("/").allowed, false) << "another bot's group";
        for (std::uint32_t i = 0; i < w.linkable_pages(h); ++i) {
            for (const resource r : {resource{kind::page, h, i, 0}, resource{kind::print, h, i, 0}}) {
                const bool allowed = w.robots_allow(r);
                EXPECT_EQ(ours.check(w.path(r)).allowed, allowed) << w.url(r) << "\n" << file.body;
                disallowed += allowed ? 0 : 1;
                ++checked;
            }
        }
        // Chains, landing pages and the calendar are never disallowed (so that a crawl that
        // follows redirects in one fetch and one that queues each hop agree).
        for (std::uint32_t c = 0; c < w.chains(h); ++c) {
            EXPECT_TRUE(ours.check(w.path({kind::redirect, h, c, 0})).allowed);
            EXPECT_TRUE(w.robots_allow(w.chain_end(h, c)) || w.chain_end(h, c).kind == kind::missing);
        }
        EXPECT_TRUE(w.robots_allow({kind::calendar, h, 2030, 5}));
    }
    std::printf("%d of %d pages and print views disallowed\n", disallowed, checked);
    EXPECT_GT(disallowed, checked / 5);
    EXPECT_LT(disallowed, checked * 4 / 5);
    EXPECT_FALSE(w.robots_allow({kind::page, 2, 0, 0})) << "robots.txt 503: nothing";
    EXPECT_TRUE(w.robots_allow({kind::print, 1, 3, 0})) << "robots.txt 404: everything";
}

TEST(WebCrawlFilesTest, SitemapsListThePagesWithinTheProtocolsLimits)
{
    const web w(params(3000, 12));
    std::set<sitemap_style> styles;
    for (std::uint32_t h = 0; h < w.hosts(); ++h) {
        styles.insert(w.sitemaps_of(h));
        const robots_policy policy = w.robots(h);
        // Read them as a crawler would: Sitemap: lines, else /sitemap.xml.
        std::vector<std::string> queue = policy.sitemap_urls;
        if (queue.empty() && policy.status < 500) {
            queue.push_back(w.url({kind::sitemap, h, 0, 0}));
        }
        std::vector<resource> requested;
        std::vector<std::string> pages;
        for (std::size_t q = 0; q < queue.size(); ++q) {
            const resource what = w.resource_of(queue[q]).value_or(resource{kind::sitemap, h, 0, 0});
            requested.push_back(what);
            const response r = fetch(w, what);
            if (r.status != 200) {
                continue;
            }
            std::uint64_t decoded = 0;
            const std::string xml = w.path(what).ends_with(".gz") ? gunzip(r.body, decoded) : r.body;
            EXPECT_EQ(r.content_type, w.path(what).ends_with(".gz") ? "application/gzip" : "application/xml");
            EXPECT_TRUE(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")) << queue[q];
            const auto listed = locs(xml);
            EXPECT_LE(listed.size(), w.params().sitemap_urls);
            if (xml.find("<sitemapindex") != std::string::npos) {
                queue.insert(queue.end(), listed.begin(), listed.end());
            } else {
                pages.insert(pages.end(), listed.begin(), listed.end());
            }
        }
        EXPECT_EQ(requested, w.sitemap_requests(h)) << w.host_name(h);
        std::vector<std::string> expected;
        for (const resource& r : w.sitemap_pages(h)) {
            expected.push_back(w.url(r));
        }
        EXPECT_EQ(pages, expected) << w.host_name(h);
        if (policy.status == 200 && w.sitemaps_of(h) != sitemap_style::none) {
            EXPECT_EQ(pages.size(), w.linkable_pages(h) + w.archive_pages(h)) << "archive pages are in the sitemaps";
        }
    }
    EXPECT_EQ(styles.size(), 4u) << "named index, named files, index found at /sitemap.xml, none";
}

TEST(WebCrawlFilesTest, HostileSitemapsGoPastTheLimits)
{
    web_params p = params(400, 4);
    p.hostile_sitemaps = true;
    p.bomb_mib = 51;
    const web w(p);
    const response index = fetch(w, {kind::sitemap, 0, 0, 0});
    const auto files = locs(index.body);
    ASSERT_GE(files.size(), 2u);
    EXPECT_EQ(files[files.size() - 2], w.url({kind::sitemap_huge, 0, 0, 0}));
    EXPECT_EQ(files.back(), w.url({kind::sitemap_bomb, 0, 0, 0}));

    const response huge = fetch(w, {kind::sitemap_huge, 0, 0, 0});
    const auto listed = locs(huge.body);
    ASSERT_EQ(listed.size(), 50'001u);
    EXPECT_EQ(listed.back(), w.url({kind::missing, 0, 0, 2})) << "the 50,001st URL";
    EXPECT_EQ(std::count(listed.begin(), listed.end(), listed.back()), 1);

    const response bomb = fetch(w, {kind::sitemap_bomb, 0, 0, 0});
    EXPECT_LT(bomb.body.size(), 200'000u);
    std::uint64_t decoded = 0;
    const std::string xml = gunzip(bomb.body, decoded, 4096);
    EXPECT_GT(decoded, 51ULL << 20) << "more than the protocol's 50 MiB once decoded";
    const auto bomb_locs = locs(xml);
    ASSERT_EQ(bomb_locs.size(), 2u);
    EXPECT_EQ(bomb_locs.back(), w.url({kind::missing, 0, 0, 3})) << "past the 50 MiB";
    EXPECT_TRUE(xml.ends_with("</urlset>\n"));
}

} // namespace
} // namespace crawl::test::web
