// Unit tests of the synthetic web's oracle (tests/support/web/oracle.hpp) and request log.
// The tiny web below (seed 7: 2 hosts of 8 pages sharing one registrable domain) was read page
// by page (its links are in the comments) and each crawl's records were worked out by hand;
// larger webs are checked for the properties every correct crawl has.

#include "support/web/oracle.hpp"
#include "support/web/request_log.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string_view>
#include <utility>

namespace crawl::test::web {
namespace {

web tiny()
{
    web_params p;
    p.seed = 7;
    p.pages = 16;
    p.hosts = 2;
    p.hosts_per_domain = 2;
    p.dir_pages = 4;
    p.port = 8080;
    p.page_bytes = 1024;
    p.robots_404_host.reset();
    p.robots_503_host.reset();
    return web(p);
}

const std::string h0 = "http://d000000.test:8080";
const std::string h1 = "http://h000001.d000000.test:8080";

/// depth -> "URL outcome" of each record, sorted.
std::vector<std::vector<std::string>> records(const crawl_expectation& e)
{
    std::vector<std::vector<std::string>> out;
    for (const auto& level : e.depths) {
        out.emplace_back();
        for (const visit& v : level) {
            out.back().push_back(v.url + (v.outcome == outcome::robots_refused ? " refused"
                                          : v.outcome == outcome::redirect ? " redirect"
                                                                           : ""));
        }
    }
    return out;
}

crawl_spec from(std::vector<std::string> seeds, std::uint32_t depth, scope s = scope::host)
{
    crawl_spec spec;
    spec.seeds = std::move(seeds);
    spec.depth = depth;
    spec.scope = s;
    return spec;
}

// Host 0 (d000000.test) robots.txt: Disallow /d1/, /*?print=, /d*/p*5.html$. Its pages:
//   /           -> d0/, /d1/, /calendar/2026/12, /d1/, /d0/p3.html, //h000001.../ , area /d0/p3.html
//   /d0/        -> /, p2.html, nofollow /d0/p3.html, p4.html
//   /d0/p3.html -> /, /d0/, /d0/p4.html, ./, #top, ../d1/, area ./p3.html#top, iframe ../
//   /calendar/2026/12 -> ../2027/1, /
TEST(WebOracleTest, TinyWebByHandHostScope)
{
    const web w = tiny();
    const auto e = expect_crawl(w, from({h0 + "/"}, 2));
    EXPECT_EQ(records(e), (std::vector<std::vector<std::string>>{
                              {h0 + "/"},
                              {h0 + "/calendar/2026/12", h0 + "/d0/", h0 + "/d0/p3.html", h0 + "/d1/ refused"},
                              {h0 + "/calendar/2027/1", h0 + "/d0/p2.html", h0 + "/d0/p4.html"}}));
    EXPECT_EQ(e.exact_depths, 3u);
    EXPECT_EQ(e.records(), 8u);
    EXPECT_EQ(e.fetches(), 7u);
    EXPECT_EQ(e.robots_hosts, std::vector<std::uint32_t>{0});
    EXPECT_EQ(e.depth_of(h0 + "/d0/p4.html"), 2u);
    EXPECT_FALSE(e.depth_of(h1 + "/").has_value());
}

// With the registrable domain, host 1's home (linked from host 0's home) and its links come
// in: h1 / -> /d0/, /d1/ (refused there too), calendar/2026/12, d0/p4.html, d0/p2.html, d0/,
// //h1/d0/p3.html, iframe d1/.
TEST(WebOracleTest, TinyWebByHandDomainScope)
{
    const web w = tiny();
    const auto e = expect_crawl(w, from({h0 + "/"}, 2, scope::domain));
    EXPECT_EQ(records(e), (std::vector<std::vector<std::string>>{
                              {h0 + "/"},
                              {h0 + "/calendar/2026/12", h0 + "/d0/", h0 + "/d0/p3.html", h0 + "/d1/ refused", h1 + "/"},
                              {h0 + "/calendar/2027/1", h0 + "/d0/p2.html", h0 + "/d0/p4.html", h1 + "/calendar/2026/12",
                               h1 + "/d0/", h1 + "/d0/p2.html", h1 + "/d0/p3.html", h1 + "/d0/p4.html",
                               h1 + "/d1/ refused"}}));
    EXPECT_EQ(e.robots_hosts, (std::vector<std::uint32_t>{0, 1}));
}

// Host 1's /d0/p2.html -> ../, //h1/d0/, h1/d0/?print=1, /d0/p3.html, h0/ (other host), #top,
// h1/r/0 (a chain: /r/0 -> /r/0/1 -> /moved/p6.html).
TEST(WebOracleTest, TinyWebByHandRedirectsFollowedOrQueued)
{
    const web w = tiny();
    const auto followed = expect_crawl(w, from({h1 + "/d0/p2.html"}, 1));
    EXPECT_EQ(records(followed), (std::vector<std::vector<std::string>>{
                                     {h1 + "/d0/p2.html"},
                                     {h1 + "/", h1 + "/d0/", h1 + "/d0/?print=1 refused", h1 + "/d0/p3.html", h1 + "/r/0"}}));
    const visit& chain = followed.depths[1].back();
    EXPECT_EQ(chain.final_url, h1 + "/moved/p6.html");
    EXPECT_EQ(chain.hops, (std::vector<std::string>{h1 + "/r/0/1", h1 + "/moved/p6.html"}));
    EXPECT_EQ(chain.status, 200u);

    crawl_spec queued = from({h1 + "/d0/p2.html"}, 1);
    queued.redirects = redirect_mode::queued;
    EXPECT_EQ(records(expect_crawl(w, queued)),
              (std::vector<std::vector<std::string>>{
                  {h1 + "/d0/p2.html"},
                  {h1 + "/", h1 + "/d0/", h1 + "/d0/?print=1 refused", h1 + "/d0/p3.html", h1 + "/moved/p6.html",
                   h1 + "/r/0 redirect", h1 + "/r/0/1 redirect"}}));
}

// /d0/p3.html's directory is /d0/: its links to / and /d1/ are the parent's; /d0/ ->
// p2.html; /d0/p4.html -> //h0/, ..., p2.html, HTTP://H000001.../ (other host), x36.invalid.
TEST(WebOracleTest, TinyWebByHandNoParentAndFilters)
{
    const web w = tiny();
    crawl_spec below = from({h0 + "/d0/p3.html"}, 2);
    below.no_parent = true;
    EXPECT_EQ(records(expect_crawl(w, below)),
              (std::vector<std::vector<std::string>>{
                  {h0 + "/d0/p3.html"}, {h0 + "/d0/", h0 + "/d0/p4.html"}, {h0 + "/d0/p2.html"}}));

    crawl_spec no_calendar = from({h0 + "/"}, 2);
    no_calendar.follow = [](std::string_view url) { return url.find("/calendar/") == std::string_view::npos; };
    EXPECT_EQ(records(expect_crawl(w, no_calendar)),
              (std::vector<std::vector<std::string>>{{h0 + "/"},
                                                     {h0 + "/d0/", h0 + "/d0/p3.html", h0 + "/d1/ refused"},
                                                     {h0 + "/d0/p2.html", h0 + "/d0/p4.html"}}));

    crawl_spec anywhere = from({h0 + "/d0/p4.html"}, 1, scope::any);
    const auto e = expect_crawl(w, anywhere);
    ASSERT_EQ(e.depths.size(), 2u);
    EXPECT_EQ(e.depth_of("http://x36.invalid/"), 1u);
    EXPECT_EQ(e.depths[1].back().outcome, outcome::unresolvable);
    EXPECT_FALSE(e.depth_of(h1 + "/d0/").has_value()) << "that link is rel=nofollow";
}

// Host 1's sitemap (named in its robots.txt) lists /, /d0/, p2-p4, /d1/ and /archive/p7.html.
TEST(WebOracleTest, TinyWebByHandSitemapsAndLimits)
{
    const web w = tiny();
    crawl_spec spec = from({h1 + "/d0/p2.html"}, 0);
    spec.sitemaps = true;
    EXPECT_EQ(records(expect_crawl(w, spec)),
              (std::vector<std::vector<std::string>>{{h1 + "/", h1 + "/archive/p7.html", h1 + "/d0/", h1 + "/d0/p2.html",
                                                      h1 + "/d0/p3.html", h1 + "/d0/p4.html", h1 + "/d1/ refused"}}));

    crawl_spec limited = from({h0 + "/"}, 2);
    limited.max_pages = 5;
    const auto e = expect_crawl(w, limited);
    EXPECT_EQ(e.exact_depths, 2u) << "1 + 3 fetches, then 1 of the 3 at depth 2";
    EXPECT_EQ(e.cut_fetches, 1u);
    EXPECT_EQ(e.depths.size(), 3u);
    EXPECT_EQ(e.fetches(), 4u);

    // Host 0 has 1 + 3 fetches by depth 1, host 1 one; at depth 2 host 0 has no room left
    // for its 3, host 1 room for 3 of its 5.
    crawl_spec per_host = from({h0 + "/"}, 2, scope::domain);
    per_host.max_per_host = 4;
    const auto p = expect_crawl(w, per_host);
    EXPECT_EQ(p.exact_depths, 2u);
    EXPECT_EQ(p.cut_fetches, 3u);
}

/// What every correct crawl of a larger web shows: depth 0 is the seeds, every other record
/// was linked (without nofollow) from an earlier depth's followed page, in scope, once.
TEST(WebOracleTest, EveryRecordIsLinkedFromTheDepthBefore)
{
    web_params p;
    p.pages = 3000;
    p.hosts = 12;
    p.port = 8080;
    p.page_bytes = 1024;
    const web w(p);
    for (const scope s : {scope::host, scope::domain, scope::any}) {
        const auto e = expect_crawl(w, from({w.url({kind::page, 0, 0, 0}), w.url({kind::page, 5, 7, 0})}, 3, s));
        ASSERT_EQ(e.exact_depths, 4u);
        std::set<std::string> all;
        for (std::size_t d = 1; d < e.depths.size(); ++d) {
            std::set<std::string> linked;
            for (const visit& v : e.depths[d - 1]) {
                const resource end = *w.resource_of(v.final_url);
                if (v.outcome != outcome::ok || (end.kind == kind::page && w.plan(end).nofollow_page)) {
                    continue;
                }
                for (const link& l : w.links(end)) {
                    if (!l.nofollow) {
                        linked.insert(w.url(l.target));
                    }
                }
            }
            for (const visit& v : e.depths[d]) {
                EXPECT_TRUE(linked.count(v.url)) << v.url;
                EXPECT_TRUE(all.insert(v.url).second) << "twice: " << v.url;
                const resource r = *w.resource_of(v.url);
                if (s == scope::host && r.kind != kind::external) {
                    EXPECT_TRUE(r.host == 0 || r.host == 5) << v.url;
                }
                EXPECT_EQ(v.outcome == outcome::robots_refused, !w.robots_allow(r)) << v.url;
            }
        }
        std::printf("scope %d: %llu records, %llu fetched\n", static_cast<int>(s),
                    static_cast<unsigned long long>(e.records()), static_cast<unsigned long long>(e.fetches()));
    }
}

TEST(WebOracleTest, EveryLinkablePageIsReachableFromHome)
{
    web_params p;
    p.pages = 2400;
    p.hosts = 2;
    p.port = 8080;
    const web w(p);
    crawl_spec spec = from({w.url({kind::page, 0, 0, 0})}, 1000);
    spec.ignore_robots = true;
    spec.follow = [](std::string_view url) { return url.find("/calendar/") == std::string_view::npos; };
    const auto e = expect_crawl(w, spec);
    for (std::uint32_t i = 0; i < w.linkable_pages(0); ++i) {
        EXPECT_TRUE(e.depth_of(w.url({kind::page, 0, i, 0}))) << w.url({kind::page, 0, i, 0});
    }
    EXPECT_LT(e.exact_depths, 12u) << "directory indexes keep the web shallow";
}

TEST(WebOracleTest, SeedsOutsideTheWebAreRefused)
{
    const web w = tiny();
    EXPECT_THROW((void)expect_crawl(w, from({"http://example.com/"}, 1)), std::invalid_argument);
    EXPECT_THROW((void)expect_crawl(w, from({h0 + "/nope"}, 1)), std::invalid_argument);
}

TEST(WebRequestLogTest, CountsInFlightGapsAndRepeats)
{
    using std::chrono::milliseconds;
    const clock::time_point t0 = clock::now();
    request_log log(3, true);
    const auto a = log.begin("h0", "/a", 0, 1, t0);
    const auto b = log.begin("h0", "/b", 0, 2, t0 + milliseconds(5));
    const auto c = log.begin("h1", "/a", 1, 3, t0 + milliseconds(5));
    log.finish(a, 200, 10);
    const auto d = log.begin("h0", "/a", 0, 1, t0 + milliseconds(7));
    log.finish(b, 404, 5);
    log.finish(c, 200, 1);
    log.finish(d, 200, 10);
    const auto e = log.begin("zzz", "/", std::nullopt, 99, t0 + milliseconds(8));
    log.finish(e, 404, 0);

    EXPECT_EQ(log.requests(), 5u);
    EXPECT_EQ(log.distinct(), 4u);
    EXPECT_EQ(log.count(1), 2u);
    EXPECT_EQ(log.repeated(), (std::map<std::string, std::uint64_t>{{"h0 /a", 2}}));
    const host_counters first = log.host(0);
    EXPECT_EQ(first.requests, 3u);
    EXPECT_EQ(first.max_in_flight, 2u);
    EXPECT_EQ(first.min_gap, std::optional<clock::duration>(milliseconds(2))) << "b to d";
    EXPECT_EQ(log.host(1).requests, 1u);
    EXPECT_FALSE(log.host(1).min_gap.has_value());
    EXPECT_EQ(log.unknown_hosts().requests, 1u);

    const auto entries = log.entries();
    ASSERT_EQ(entries.size(), 5u);
    EXPECT_EQ(entries[0].target, "/a");
    EXPECT_EQ(entries[1].in_flight, 2u);
    EXPECT_EQ(entries[3].in_flight, 2u) << "b was still in flight when d came";
    EXPECT_EQ(entries[1].status, 404u);
    EXPECT_TRUE(entries[4].done.has_value());
    EXPECT_EQ(entries[1].at - entries[0].at, milliseconds(5));
}

// A server thread that waited for a core notes its request after one that arrived later: the
// gaps are between arrivals in time order, and the entries come in that order.
TEST(WebRequestLogTest, ARequestNotedLateGoesWhereItArrived)
{
    using std::chrono::milliseconds;
    const clock::time_point t0 = clock::now();
    request_log log(1, true);
    for (const auto& [target, at] : {std::pair{"/a", 0}, {"/c", 100}, {"/b", 40}, {"/d", 250}, {"/e", 230}}) {
        log.finish(log.begin("h0", target, 0, std::hash<std::string_view>{}(target), t0 + milliseconds(at)), 200, 0);
    }
    EXPECT_EQ(log.host(0).min_gap, std::optional<clock::duration>(milliseconds(20))) << "e then d";
    std::string order;
    for (const auto& e : log.entries()) {
        order += e.target;
    }
    EXPECT_EQ(order, "/a/b/c/e/d");

    request_log in_order(1, false);
    for (const int at : {0, 100, 200}) {
        in_order.finish(in_order.begin("h0", "/", 0, 1, t0 + milliseconds(at)), 200, 0);
    }
    EXPECT_EQ(in_order.host(0).min_gap, std::optional<clock::duration>(milliseconds(100)));
}

} // namespace
} // namespace crawl::test::web
