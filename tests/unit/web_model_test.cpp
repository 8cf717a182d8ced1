// Unit tests of the synthetic web's model (tests/support/web): the same parameters give the
// same bytes; names and routes give each resource exactly one URL; the link graph has the
// shape bench and e2e tests rely on; every link, written in whatever form, resolves (with
// crawl's own URL resolver and HTML extractor) to the target the model says; gzip decodes to
// the identity body.

#include "crawl/extract/html_extractor.hpp"
#include "crawl/url/url.hpp"
#include "support/web/responder.hpp"
#include "support/web/web.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <map>
#include <set>

namespace crawl::test::web {
namespace {

web_params params(std::uint64_t pages, std::uint32_t hosts, std::uint64_t seed = 1)
{
    web_params p;
    p.seed = seed;
    p.pages = pages;
    p.hosts = hosts;
    p.port = 8080;
    p.page_bytes = 4096;
    return p;
}

/// zlib's own gunzip (not crawl's decoder), capped.
std::string gunzip(std::string_view gz, std::size_t cap = 64 << 20)
{
    z_stream z{};
    EXPECT_EQ(inflateInit2(&z, 31), Z_OK);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
    z.avail_in = static_cast<uInt>(gz.size());
    std::string out;
    char buf[65536];
    int rc = Z_OK;
    while (rc == Z_OK && out.size() < cap) {
        z.next_out = reinterpret_cast<Bytef*>(buf);
        z.avail_out = sizeof buf;
        rc = inflate(&z, Z_NO_FLUSH);
        out.append(buf, sizeof buf - z.avail_out);
    }
    EXPECT_EQ(rc, Z_STREAM_END) << "gzip did not end cleanly";
    EXPECT_EQ(z.avail_in, 0u) << "bytes after the gzip stream";
    inflateEnd(&z);
    return out;
}

/// Some resources of every kind on `host`.
std::vector<resource> sample(const web& w, std::uint32_t host)
{
    std::vector<resource> out;
    for (std::uint32_t i = 0; i < w.pages_on(host); i += 7) {
        out.push_back({kind::page, host, i, 0});
    }
    out.push_back({kind::print, host, 3, 0});
    out.push_back({kind::calendar, host, 2026, 12});
    out.push_back({kind::robots, host, 0, 0});
    for (std::uint32_t c = 0; c < w.chains(host); ++c) {
        out.push_back({kind::redirect, host, c, 0});
    }
    return out;
}

std::string body_of(const web& w, const resource& r, bool gzip)
{
    return respond(w, locate(w, w.host_name(r.host), w.path(r)), gzip).body;
}

TEST(WebModelTest, SameParametersSameBytesOtherSeedOtherBytes)
{
    const web a(params(600, 4));
    const web b(params(600, 4));
    const web c(params(600, 4, 2));
    std::size_t differ = 0;
    std::size_t compared = 0;
    for (std::uint32_t h = 0; h < 4; ++h) {
        for (const resource& r : sample(a, h)) {
            const std::string body = body_of(a, r, false);
            EXPECT_EQ(body, body_of(b, r, false)) << a.url(r);
            EXPECT_EQ(body_of(a, r, true), body_of(b, r, true)) << a.url(r);
            if (r.kind == kind::page) {
                differ += body != body_of(c, r, false) ? 1U : 0U;
                ++compared;
            }
        }
    }
    EXPECT_EQ(differ, compared) << "another seed makes other pages";
}

TEST(WebModelTest, GzipDecodesToTheIdentityBody)
{
    const web w(params(600, 4));
    for (std::uint32_t h = 0; h < 4; ++h) {
        for (const resource& r : sample(w, h)) {
            const response plain = respond(w, locate(w, w.host_name(h), w.path(r)), false);
            const response gz = respond(w, locate(w, w.host_name(h), w.path(r)), true);
            if (r.kind == kind::page || r.kind == kind::print || r.kind == kind::calendar) {
                ASSERT_TRUE(gz.gzip);
                EXPECT_EQ(gunzip(gz.body), plain.body) << w.url(r);
                EXPECT_LT(gz.body.size(), plain.body.size()) << w.url(r);
            } else {
                EXPECT_FALSE(gz.gzip) << w.url(r);
            }
        }
    }
}

TEST(WebModelTest, HostNamesAndRegistrableDomains)
{
    web_params p = params(3000, 1000);
    p.hosts_per_domain = 4;
    const web w(p);
    EXPECT_EQ(w.host_name(0), "d000000.test");
    EXPECT_EQ(w.host_name(41), "h000041.d000010.test");
    EXPECT_EQ(w.host_name(42), "h000042.sub.d000010.test");
    std::set<std::string> names;
    for (std::uint32_t h = 0; h < 1000; ++h) {
        const std::string name = w.host_name(h);
        names.insert(name);
        EXPECT_EQ(w.host_index(name), h);
        // The registrable domain (PSL default rule "*": ".test" is no listed suffix) is the
        // last two labels, and that is the host's domain.
        const std::string domain = w.domain_name(w.domain_of(h));
        EXPECT_TRUE(name.ends_with("." + domain) || name == domain) << name;
        EXPECT_EQ(std::count(domain.begin(), domain.end(), '.'), 1);
    }
    EXPECT_EQ(names.size(), 1000u);
    EXPECT_EQ(w.host_index("H000041.D000010.TEST"), 41u) << "Host fields are case-insensitive";
    for (const char* bad : {"h000041.d000011.test", "h000042.d000010.test", "d000010.test.", "h001000.d000250.test",
                            "h000041.sub.d000010.test", "x.test", "", "h00004a.d000010.test"}) {
        EXPECT_FALSE(w.host_index(bad).has_value()) << bad;
    }
}

TEST(WebModelTest, EveryResourceHasExactlyOneUrl)
{
    const web w(params(1200, 3));
    for (std::uint32_t h = 0; h < 3; ++h) {
        std::vector<resource> all;
        for (std::uint32_t i = 0; i < w.pages_on(h); ++i) {
            all.push_back({kind::page, h, i, 0});
            if (i < w.linkable_pages(h)) {
                all.push_back({kind::print, h, i, 0});
            }
        }
        for (std::uint32_t c = 0; c < w.chains(h); ++c) {
            for (std::uint32_t hop = 0; hop < w.chain_hops(h, c); ++hop) {
                all.push_back({kind::redirect, h, c, hop});
            }
        }
        for (std::uint32_t f = 0; f < w.sitemap_files(h); ++f) {
            all.push_back({kind::sitemap_file, h, f, 0});
        }
        all.push_back({kind::calendar, h, 2026, 12});
        all.push_back({kind::calendar, h, 999'999, 12});
        all.push_back({kind::missing, h, 17, 0});
        all.push_back({kind::robots, h, 0, 0});
        std::set<std::string> urls;
        for (const resource& r : all) {
            EXPECT_EQ(w.route(h, w.path(r)), r) << w.url(r);
            EXPECT_EQ(w.resource_of(w.url(r)), r) << w.url(r);
            EXPECT_TRUE(urls.insert(w.url(r)).second) << "two resources at " << w.url(r);
        }
    }
    // Other spellings of existing resources, and things that are not there.
    for (const char* bad : {"/d0/p05.html", "/d0/p2.html?print=2", "/d0/p2.html?", "/D0/", "/d0", "/d0/p1.html",
                            "/index.html", "//", "/d0//p2.html", "/d0/./p2.html", "/moved/p3.html", "/archive/p3.html",
                            "/r/0/0", "/r/99", "/calendar/2026/13", "/calendar/0/1", "/calendar/2026/012",
                            "/sitemaps/pages-0.xml.gz", "/robots.txt?x=1", "/d0/p400.html", "/d99/", "/gone/x.html"}) {
        EXPECT_FALSE(w.route(0, bad).has_value()) << bad;
    }
}

TEST(WebModelTest, LinkGraphHasTheShapeOfAWeb)
{
    const std::uint32_t hosts = 20;
    const web w(params(6000, hosts));
    std::map<std::string, double> share;
    std::uint64_t links = 0;
    std::uint64_t pages = 0;
    std::map<std::uint64_t, int> linked; // target key -> times linked
    for (std::uint32_t h = 0; h < hosts; ++h) {
        for (std::uint32_t i = 0; i < w.pages_on(h); ++i) {
            const resource page{kind::page, h, i, 0};
            const page_plan plan = w.plan(page);
            ++pages;
            share["base href pages"] += plan.base_href.empty() ? 0 : 1;
            share["meta nofollow pages"] += plan.nofollow_page ? 1 : 0;
            share["framesets"] += plan.frameset ? 1 : 0;
            for (const link& l : plan.links) {
                ++links;
                if (l.target != page) {
                    ++linked[l.target.key()];
                }
                share["cross host"] += l.target.kind != kind::external && l.target.host != h ? 1 : 0;
                share["404"] += l.target.kind == kind::missing ? 1 : 0;
                share["redirect"] += l.target.kind == kind::redirect ? 1 : 0;
                share["nofollow"] += l.nofollow ? 1 : 0;
                share["area"] += l.element == element::area ? 1 : 0;
                share["iframe"] += l.element == element::iframe ? 1 : 0;
                share["frame"] += l.element == element::frame ? 1 : 0;
                share["external"] += l.target.kind == kind::external ? 1 : 0;
                if (l.target.kind != kind::external) {
                    EXPECT_EQ(w.route(l.target.host, w.path(l.target)), l.target) << w.url(l.target) << " on " << w.url(page);
                }
            }
        }
    }
    const double degree = static_cast<double>(links) / static_cast<double>(pages);
    std::printf("%llu pages, %llu links: %.2f links per page\n", static_cast<unsigned long long>(pages),
                static_cast<unsigned long long>(links), degree);
    for (auto& [what, n] : share) {
        n /= what.ends_with("pages") || what == "framesets" ? static_cast<double>(pages) : static_cast<double>(links);
        std::printf("  %-20s %.2f%%\n", what.c_str(), 100 * n);
    }
    EXPECT_GT(degree, 9.0);
    EXPECT_LT(degree, 11.0);
    const std::map<std::string, std::pair<double, double>> expected = {
        {"cross host", {0.08, 0.2}}, {"404", {0.02, 0.05}},      {"redirect", {0.02, 0.06}},
        {"nofollow", {0.02, 0.06}},  {"area", {0.02, 0.07}},     {"iframe", {0.02, 0.07}},
        {"frame", {0.0005, 0.01}},   {"external", {0.005, 0.02}}, {"base href pages", {0.02, 0.06}},
        {"meta nofollow pages", {0.005, 0.03}}, {"framesets", {0.002, 0.02}}};
    for (const auto& [what, range] : expected) {
        EXPECT_GE(share[what], range.first) << what;
        EXPECT_LE(share[what], range.second) << what;
    }
    // Landing pages are reached by their chain alone, archive pages by sitemaps alone; every
    // landing page ends exactly one chain.
    std::map<std::uint64_t, int> chain_ends;
    for (std::uint32_t h = 0; h < hosts; ++h) {
        for (std::uint32_t i = w.linkable_pages(h); i < w.pages_on(h); ++i) {
            EXPECT_EQ(linked.count(resource{kind::page, h, i, 0}.key()), 0u) << w.url({kind::page, h, i, 0});
        }
        for (std::uint32_t c = 0; c < w.chains(h); ++c) {
            const resource end = w.chain_end(h, c);
            if (end.kind == kind::page) {
                EXPECT_GE(end.a, w.linkable_pages(end.host));
                EXPECT_LT(end.a, w.linkable_pages(end.host) + w.landing_pages(end.host));
                ++chain_ends[end.key()];
            }
        }
    }
    for (const auto& [key, n] : chain_ends) {
        EXPECT_EQ(n, 1) << "a landing page ends " << n << " chains";
    }
}

TEST(WebModelTest, RedirectChainsEndWithinThreeHops)
{
    const web w(params(4000, 10));
    int crossing = 0;
    int to_404 = 0;
    for (std::uint32_t h = 0; h < 10; ++h) {
        for (std::uint32_t c = 0; c < w.chains(h); ++c) {
            resource at{kind::redirect, h, c, 0};
            std::string url = w.url(at);
            int hops = 0;
            while (at.kind == kind::redirect) {
                const response r = respond(w, locate(w, w.host_name(at.host), w.path(at)), false);
                ASSERT_TRUE(r.status == 301 || r.status == 302) << url;
                // The Location, relative or absolute, resolves with crawl's own resolver.
                const auto next = crawl::url::resolve_redirect(crawl::url::parse_input(url).value(), r.location);
                ASSERT_TRUE(next.has_value()) << r.location;
                url = next->href;
                at = *w.resource_of(url);
                ++hops;
            }
            EXPECT_LE(hops, 3);
            EXPECT_EQ(at, w.chain_end(h, c));
            crossing += at.host != h ? 1 : 0;
            to_404 += at.kind == kind::missing ? 1 : 0;
        }
    }
    EXPECT_GT(crossing, 0);
    EXPECT_GT(to_404, 0) << "chains into the host whose robots.txt is 503 end in a 404";
}

/// The page's links as crawl resolves them: every link (any element) through url::resolve_link
/// against the page's base, and the <a> and <area> links (what crawl's extractor collects
/// today) through the real HTML extractor.
TEST(WebModelTest, LinksResolveToTheirTargetsWithCrawlsOwnParsers)
{
    const web w(params(3000, 6));
    int with_base = 0;
    int checked = 0;
    for (std::uint32_t h = 0; h < 6; ++h) {
        for (std::uint32_t i = 0; i < w.pages_on(h); i += 4) {
            const resource page{kind::page, h, i, 0};
            const page_plan plan = w.plan(page);
            const std::string page_url = w.url(page);
            crawl::url::target base_target = crawl::url::parse_input(page_url).value();
            if (!plan.base_href.empty()) {
                base_target = crawl::url::resolve_base(base_target, plan.base_href).value();
                ++with_base;
            }
            const std::string base = base_target.href;
            std::vector<std::string> anchors;
            for (const link& l : plan.links) {
                const auto got = crawl::url::resolve_link(base_target, l.href);
                ASSERT_TRUE(got.has_value()) << l.href;
                EXPECT_EQ(*got, w.url(l.target)) << l.href << " on " << page_url << " (base " << base << ")";
                const bool extracted = l.element == element::a || l.element == element::area;
                if (extracted && std::find(anchors.begin(), anchors.end(), *got) == anchors.end()) {
                    anchors.push_back(*got);
                }
            }
            crawl::extract::html_extractor x(page_url, "utf-8", {.keep_links = true});
            x.feed(w.html(page).identity());
            x.finish();
            EXPECT_EQ(x.result().links, anchors) << page_url;
            EXPECT_EQ(x.result().title, w.title(page));
            EXPECT_EQ(x.result().canonical, page_url);
            ++checked;
        }
    }
    EXPECT_GT(with_base, 15);
    EXPECT_EQ(checked, 750);
}

TEST(WebModelTest, PageSizesSpreadAroundTheMean)
{
    web_params p = params(2000, 2);
    p.page_bytes = 32768;
    const web w(p);
    double total = 0;
    std::uint64_t smallest = UINT64_MAX;
    std::uint64_t largest = 0;
    for (std::uint32_t i = 1; i < 400; ++i) {
        const std::uint64_t n = w.html({kind::page, 0, i, 0}).size();
        total += static_cast<double>(n);
        smallest = std::min(smallest, n);
        largest = std::max(largest, n);
    }
    const double mean = total / 399;
    std::printf("page bytes: mean %.0f, smallest %llu, largest %llu\n", mean, static_cast<unsigned long long>(smallest),
                static_cast<unsigned long long>(largest));
    EXPECT_GT(mean, 32768 * 0.8);
    EXPECT_LT(mean, 32768 * 1.3);
    EXPECT_LT(smallest, 16000u);
    EXPECT_GT(largest, 100'000u);
}

TEST(WebModelTest, CalendarNeverEnds)
{
    const web w(params(100, 1));
    resource month{kind::calendar, 0, calendar_start_year, calendar_start_month};
    for (int n = 0; n < 300; ++n) {
        const auto found = w.links(month);
        ASSERT_EQ(found.size(), 2u);
        ASSERT_EQ(found[0].target.kind, kind::calendar);
        EXPECT_EQ(w.route(0, w.path(found[0].target)), found[0].target);
        month = found[0].target;
    }
    EXPECT_EQ(w.path(month), "/calendar/2051/12");
}

TEST(WebModelTest, BadParametersAreRefused)
{
    for (const auto& [pages, hosts] : {std::pair<std::uint64_t, std::uint32_t>{10, 0}, {5, 10}, {2'000'000, 1'000'001}}) {
        EXPECT_THROW(web(params(pages, hosts)), std::invalid_argument) << pages << " " << hosts;
    }
    EXPECT_NO_THROW(web(params(1'000'000, 1000)));
}

} // namespace
} // namespace crawl::test::web
