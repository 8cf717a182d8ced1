// The recursive crawl (--depth) through the real binary against the synthetic web
// (tests/support/web): what it records is what the web's oracle says a correct crawl records,
// depth by depth; each URL is requested once (the server's log); the limits hold; politeness
// holds for the hosts it discovers; and a crawl killed with SIGKILL three times and resumed
// ends with the same records as one left alone, each once.

#include "e2e/harness.hpp"
#include "support/web/oracle.hpp"
#include "support/test_server.hpp"
#include "support/web/server.hpp"

#include <boost/json.hpp>

#include <csignal>
#include <filesystem>
#include <random>
#include <set>

namespace crawl::test {
namespace {

namespace web = crawl::test::web;
using namespace std::chrono_literals;

web::web_params small_web()
{
    web::web_params p;
    p.seed = 5;
    p.pages = 240;
    p.hosts = 4;
    p.hosts_per_domain = 2;
    p.page_bytes = 4096;
    return p;
}

/// "--resolve" arguments for every host of the web.
std::vector<std::string> resolve_all(const web::web_server& server)
{
    std::vector<std::string> args;
    for (const auto& r : server.resolve_args(0, server.site().hosts())) {
        args.push_back("--resolve");
        args.push_back(r);
    }
    return args;
}

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more)
{
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

/// Every record of a run (input lines and discovered URLs) as url → depth; fails the test on a
/// URL recorded twice.
std::map<std::string, std::uint32_t> depth_by_url(const crawl_run& run)
{
    std::map<std::string, std::uint32_t> out;
    auto note = [&](const boost::json::object& r) {
        const auto url = std::string(r.at("url").as_string());
        if (!out.emplace(url, static_cast<std::uint32_t>(r.at("depth").to_number<std::uint32_t>())).second) {
            ADD_FAILURE() << url << " has two records";
        }
    };
    for (const auto& [seq, r] : run.records) {
        note(r);
    }
    for (const auto& r : run.discovered) {
        note(r);
    }
    return out;
}

std::map<std::string, std::uint32_t> expected_depths(const web::crawl_expectation& e)
{
    std::map<std::string, std::uint32_t> out;
    for (std::size_t d = 0; d < e.exact_depths; ++d) {
        for (const auto& v : e.depths[d]) {
            out.emplace(v.url, static_cast<std::uint32_t>(d));
        }
    }
    return out;
}

/// What differs between two url → depth maps, for a readable failure.
std::string difference(const std::map<std::string, std::uint32_t>& got,
                       const std::map<std::string, std::uint32_t>& want)
{
    std::string out;
    for (const auto& [url, depth] : want) {
        const auto it = got.find(url);
        if (it == got.end()) {
            out += "missing " + url + " (depth " + std::to_string(depth) + ")\n";
        } else if (it->second != depth) {
            out += url + " at depth " + std::to_string(it->second) + ", not " + std::to_string(depth) + "\n";
        }
    }
    for (const auto& [url, depth] : got) {
        if (!want.contains(url)) {
            out += "extra " + url + " (depth " + std::to_string(depth) + ")\n";
        }
    }
    return out;
}

TEST(RecursiveTest, RecordsWhatTheOracleSaysEachUrlRequestedOnce)
{
    web::web_server server(small_web());
    const web::web& w = server.site();
    web::crawl_spec spec;
    spec.seeds = {w.url({web::kind::page, 0, 0, 0}), w.url({web::kind::page, 3, 0, 0})};
    spec.depth = 3;
    spec.redirects = web::redirect_mode::queued;
    const auto expected = web::expect_crawl(w, spec);

    const auto run = run_crawl(spec.seeds, with(resolve_all(server), {"-w", "2", "--depth", "3"}));
    EXPECT_EQ(run.process.exit_code, 1) << "404s are among the records\n" << run.process.err;
    const auto got = depth_by_url(run);
    EXPECT_EQ(got, expected_depths(expected)) << difference(got, expected_depths(expected));
    std::printf("%zu records (%zu discovered) at depths 0..3, oracle %llu\n", got.size(), run.discovered.size(),
                static_cast<unsigned long long>(expected.records()));

    // Input lines keep their seq; every discovered record says where it was found, and that
    // page links (or redirects) there.
    EXPECT_TRUE(run.at(1).at("found_on").is_null());
    EXPECT_EQ(num(run.at(2), "depth"), 0);
    for (const auto& r : run.discovered) {
        const std::string url(r.at("url").as_string());
        const std::string found_on(r.at("found_on").as_string());
        const auto page = w.resource_of(found_on);
        ASSERT_TRUE(page) << found_on;
        const auto target = w.resource_of(url);
        ASSERT_TRUE(target) << url;
        bool leads_there = page->kind == web::kind::redirect && w.redirect_target(*page) == *target;
        for (const auto& l : w.links(*page)) {
            leads_there = leads_there || l.target == *target;
        }
        EXPECT_TRUE(leads_there) << found_on << " does not lead to " << url;
    }

    // The server's own count: each URL with a request was requested once, and robots.txt
    // once per host the crawl went to.
    EXPECT_TRUE(server.log().repeated().empty()) << server.log().repeated().begin()->first;
    EXPECT_EQ(server.log().requests(), expected.fetches() + expected.robots_hosts.size());
}

TEST(RecursiveTest, ScopeAnyDomainRegexesAndNoParent)
{
    web::web_server server(small_web());
    const web::web& w = server.site();
    {
        web::crawl_spec spec;
        spec.seeds = {w.url({web::kind::page, 1, 0, 0})};
        spec.depth = 2;
        spec.scope = web::scope::any;
        spec.redirects = web::redirect_mode::queued;
        const auto expected = expected_depths(web::expect_crawl(w, spec));
        const auto run =
            run_crawl(spec.seeds, with(resolve_all(server), {"-w", "2", "--depth", "2", "--scope", "any"}));
        const auto got = depth_by_url(run);
        EXPECT_EQ(got, expected) << difference(got, expected);
        std::set<std::string> hosts;
        for (const auto& [url, depth] : got) {
            hosts.insert(url.substr(0, url.find('/', 8)));
        }
        EXPECT_GT(hosts.size(), 1u) << "--scope any leaves the seed's host";
    }
    {
        // Domain scope with the regexes: the registrable domain is d000000.test (the Public
        // Suffix List's default rule), and the print views and one directory are filtered out.
        web::crawl_spec spec;
        spec.seeds = {w.url({web::kind::page, 1, 0, 0})};
        spec.depth = 3;
        spec.scope = web::scope::domain;
        spec.redirects = web::redirect_mode::queued;
        spec.follow = [](std::string_view url) {
            return url.find("print=1") == std::string_view::npos && url.find("/d1/") == std::string_view::npos;
        };
        const auto expected = expected_depths(web::expect_crawl(w, spec));
        const auto run = run_crawl(spec.seeds, with(resolve_all(server), {"-w", "2", "--depth", "3", "--scope", "domain",
                                                                          "--reject-regex", "print=1", "--reject-regex",
                                                                          "/d1/"}));
        const auto got = depth_by_url(run);
        EXPECT_EQ(got, expected) << difference(got, expected);
        std::set<std::string> hosts;
        for (const auto& [url, depth] : got) {
            hosts.insert(url.substr(0, url.find('/', 8)));
            EXPECT_EQ(url.find("print=1"), std::string::npos) << url;
        }
        EXPECT_EQ(hosts.size(), 2u) << "both hosts of the seed's registrable domain, no other";
    }
    {
        web::crawl_spec spec;
        const auto dir_index = w.url({web::kind::page, 0, 1, 0});
        spec.seeds = {dir_index};
        spec.depth = 3;
        spec.no_parent = true;
        spec.redirects = web::redirect_mode::queued;
        const auto expected = expected_depths(web::expect_crawl(w, spec));
        const auto run = run_crawl(spec.seeds, with(resolve_all(server), {"--depth", "3", "--no-parent"}));
        const auto got = depth_by_url(run);
        EXPECT_EQ(got, expected) << difference(got, expected);
        const auto dir = dir_index.substr(0, dir_index.rfind('/') + 1);
        for (const auto& [url, depth] : got) {
            EXPECT_TRUE(url.starts_with(dir)) << url << " is above " << dir;
        }
    }
}

/// Requests the server answered, robots.txt aside.
std::size_t page_requests(const web::web_server& server)
{
    const auto entries = server.log().entries();
    return static_cast<std::size_t>(
        std::count_if(entries.begin(), entries.end(), [](const web::web_request& r) { return r.target != "/robots.txt"; }));
}

TEST(RecursiveTest, SitemapsSeedTheFirstLevel)
{
    web::web_server server(small_web());
    const web::web& w = server.site();
    web::crawl_spec spec;
    spec.seeds = {w.url({web::kind::page, 0, 0, 0}), w.url({web::kind::page, 1, 0, 0})};
    spec.depth = 1;
    spec.sitemaps = true;
    spec.redirects = web::redirect_mode::queued;
    const auto expected = expected_depths(web::expect_crawl(w, spec));
    const auto run = run_crawl(spec.seeds, with(resolve_all(server), {"-w", "2", "--depth", "1", "--sitemaps"}));

    // The sitemap files have records of their own (depth 0; the oracle lists pages only).
    auto is_sitemap = [](std::string_view url) {
        const auto path = url.substr(url.find('/', 8));
        return path == "/sitemap.xml" || path.starts_with("/sitemaps/");
    };
    auto got = depth_by_url(run);
    std::size_t sitemap_records = 0;
    for (auto it = got.begin(); it != got.end();) {
        const bool sitemap = is_sitemap(it->first);
        sitemap_records += sitemap ? 1 : 0;
        it = sitemap ? got.erase(it) : std::next(it);
    }
    EXPECT_EQ(got, expected) << difference(got, expected);
    // What the server saw: each sitemap the web leads a crawler to (robots.txt's Sitemap:
    // lines, else /sitemap.xml; an index, then its files), once.
    std::size_t sitemap_requests = 0;
    for (const std::uint32_t host : {0u, 1u}) {
        sitemap_requests += w.sitemap_requests(host).size();
    }
    const auto entries = server.log().entries();
    const auto requested = static_cast<std::size_t>(std::count_if(entries.begin(), entries.end(), [&](const auto& r) {
        return r.target == "/sitemap.xml" || r.target.starts_with("/sitemaps/");
    }));
    EXPECT_EQ(requested, sitemap_requests);
    EXPECT_EQ(sitemap_records, sitemap_requests);
    EXPECT_TRUE(server.log().repeated().empty()) << server.log().repeated().begin()->first;
    std::printf("%zu records at depths 0..1 with sitemaps, %zu sitemap files read\n", got.size(), sitemap_records);
}

TEST(RecursiveTest, HostileSitemapsStopAtTheProtocolsLimits)
{
    web::web_params params = small_web();
    params.hostile_sitemaps = true; // the index also lists 50,001 URLs in one file, and a gzip bomb
    web::web_server server(params);
    const web::web& w = server.site();
    const std::vector<std::string> seeds{w.url({web::kind::page, 0, 0, 0})};
    const auto run =
        run_crawl(seeds, with(resolve_all(server), {"-w", "2", "--depth", "1", "--sitemaps", "--max-pages", "30"}));
    const boost::json::object* huge = nullptr;
    const boost::json::object* bomb = nullptr;
    std::size_t sitemaps = 0;
    for (const auto& r : run.discovered) {
        const std::string url(r.at("url").as_string());
        huge = url.ends_with("/sitemaps/huge.xml") ? &r : huge;
        bomb = url.ends_with("/sitemaps/bomb.xml.gz") ? &r : bomb;
        sitemaps += url.find("/sitemap") != std::string::npos ? 1u : 0u;
    }
    ASSERT_TRUE(huge && bomb) << run.process.err;
    EXPECT_EQ(num(*huge, "links_count"), 50'000) << "the protocol's 50,000 URLs; the 50,001st is ignored";
    EXPECT_LT(num(*bomb, "links_count"), 50'000);
    EXPECT_LT(num(*bomb, "wire_bytes"), 1 << 20) << "a few hundred KB of gzip, read whole";
    for (std::uint32_t b : {2u, 3u}) { // /gone/over-limit.html, /gone/over-bomb.html: past each cap
        EXPECT_EQ(server.requests_for({web::kind::missing, 0, 0, b}), 0u) << w.url({web::kind::missing, 0, 0, b});
    }
    EXPECT_EQ(page_requests(server) - sitemaps, 30u) << "--max-pages counts pages, not sitemaps";
}

TEST(RecursiveTest, MaxPagesAndMaxPerHostCountFetches)
{
    web::web_server server(small_web());
    const web::web& w = server.site();
    const std::vector<std::string> seeds{w.url({web::kind::page, 0, 0, 0})};
    {
        const auto run =
            run_crawl(seeds, with(resolve_all(server), {"--depth", "5", "--scope", "any", "--max-pages", "25"}));
        std::size_t fetched = 0;
        for (const auto& r : run.discovered) {
            fetched += r.at("attempts").to_number<int>() > 0 ? 1u : 0u;
        }
        EXPECT_EQ(fetched + 1, 25u) << "the seed and 24 discovered pages";
        EXPECT_EQ(page_requests(server), 25u) << "what the server saw";
    }
    {
        const auto run =
            run_crawl(seeds, with(resolve_all(server), {"--depth", "5", "--scope", "any", "--max-per-host", "7"}));
        std::map<std::string, int> per_host;
        for (const auto& r : run.discovered) {
            if (r.at("attempts").to_number<int>() > 0) {
                const std::string url(r.at("url").as_string());
                ++per_host[url.substr(0, url.find('/', 8))];
            }
        }
        ++per_host[seeds[0].substr(0, seeds[0].find('/', 8))];
        EXPECT_GT(per_host.size(), 1u);
        for (const auto& [host, n] : per_host) {
            EXPECT_EQ(n, 7) << host;
        }
    }
}

TEST(RecursiveTest, PolitenessHoldsOnDiscoveredHosts)
{
    web::web_server server(small_web());
    const web::web& w = server.site();
    const std::vector<std::string> seeds{w.url({web::kind::page, 0, 0, 0})};
    const auto run = run_crawl(seeds, with(resolve_all(server), {"-w", "2", "-c", "16", "--depth", "2", "--scope",
                                                                 "any", "--per-host", "2", "--delay", "100"}));
    EXPECT_GT(run.discovered.size(), 20u);
    unsigned hosts_seen = 0;
    for (std::uint32_t h = 0; h < w.hosts(); ++h) {
        const auto c = server.log().host(h);
        if (c.requests < 2) {
            continue;
        }
        ++hosts_seen;
        EXPECT_LE(c.max_in_flight, 1u) << w.host_name(h) << ": --delay paces one request at a time";
        ASSERT_TRUE(c.min_gap);
        EXPECT_GE(*c.min_gap, 90ms) << w.host_name(h) << ": --delay 100 (reported once written, stamped by the kernel)";
    }
    EXPECT_GT(hosts_seen, 1u) << "hosts found by following links";
}

/// The output's records as url → depth, for a crawl that was killed (the last line may be torn).
std::map<std::string, std::uint32_t> depths_in_file(const std::string& path)
{
    return depth_by_url(records_of(read_file(path)));
}

// X-Robots-Tag says what <meta name=robots> says, from the header: a page whose field tells
// every crawler, or crawl, "nofollow" or "none" has its links recorded but not followed.
TEST(RecursiveTest, XRobotsTagNofollowKeepsAPagesLinksUnfollowed)
{
    test_server server;
    const std::vector<std::pair<std::vector<std::string>, bool>> cases = {
        {{"nofollow"}, false},       {{"noindex, NONE"}, false},   {{"crawl: nofollow"}, false},
        {{"noarchive", "nofollow"}, false},                        {{"noindex"}, true},
        {{"otherbot: nofollow"}, true}, {{}, true},
        {{"unavailable_after: 25 Jun 2030 15:00:00 PST, noindex"}, true},
    };
    std::vector<std::string> seeds;
    for (std::size_t i = 0; i < cases.size(); ++i) {
        scripted_response page;
        page.content_type = "text/html";
        page.body = "<title>x</title><a href=\"/page/" + std::to_string(100 + i) + "\">next</a>";
        for (const std::string& value : cases[i].first) {
            page.headers.emplace_back("X-Robots-Tag", value);
        }
        const std::string path = "/xrt/" + std::to_string(i);
        server.set_response(path, page);
        seeds.push_back(server.url(path));
    }
    const auto run = run_crawl(seeds, {"--depth", "1", "--ignore-robots", "--links"});
    EXPECT_LE(run.process.exit_code, 1) << run.process.err;
    std::set<std::string> discovered;
    for (const auto& r : run.discovered) {
        discovered.insert(std::string(r.at("url").as_string()));
    }
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const std::string link = server.url("/page/" + std::to_string(100 + i));
        EXPECT_EQ(discovered.contains(link), cases[i].second) << "case " << i;
        EXPECT_NE(boost::json::serialize(run.at(i + 1).at("links")).find(link), std::string::npos)
            << "case " << i << ": the link is recorded either way";
    }
    EXPECT_EQ(server.requests_for("/page/"), 4U) << "the followed pages, each once";
}

// A refresh sends a browser on, in the page (<meta http-equiv=refresh>) or in the header
// (Refresh): its URL is followed, not recorded as a link, and not where X-Robots-Tag says
// nofollow.
TEST(RecursiveTest, ARefreshInThePageOrTheHeaderIsFollowed)
{
    test_server server;
    const auto page = [&](std::string body, std::vector<std::pair<std::string, std::string>> headers) {
        scripted_response r;
        r.content_type = "text/html";
        r.body = std::move(body);
        r.headers = std::move(headers);
        return r;
    };
    server.set_response("/rf/0", page("<title>0</title>", {{"Refresh", "0; url=/page/300"}}));
    server.set_response("/rf/1", page("<title>1</title>", {{"Refresh", "5;URL='/page/301'"}, {"X-Robots-Tag", "nofollow"}}));
    server.set_response("/rf/2", page(R"(<meta http-equiv="refresh" content="1; url=/page/302"><title>2</title>)", {}));
    server.set_response("/rf/3", page("<title>3</title>", {{"Refresh", "10"}}));
    const auto run = run_crawl({server.url("/rf/0"), server.url("/rf/1"), server.url("/rf/2"), server.url("/rf/3")},
                               {"--depth", "1", "--ignore-robots", "--links"});
    EXPECT_LE(run.process.exit_code, 1) << run.process.err;
    std::map<std::string, std::string> found_on;
    for (const auto& r : run.discovered) {
        found_on[std::string(r.at("url").as_string())] = std::string(r.at("found_on").as_string());
    }
    EXPECT_EQ(found_on[server.url("/page/300")], server.url("/rf/0"));
    EXPECT_FALSE(found_on.contains(server.url("/page/301"))) << "X-Robots-Tag: nofollow";
    EXPECT_EQ(found_on[server.url("/page/302")], server.url("/rf/2"));
    EXPECT_EQ(run.discovered.size(), 2U) << "a refresh with no URL reloads the page: nothing new";
    for (std::uint64_t seq = 1; seq <= 4; ++seq) {
        EXPECT_TRUE(run.at(seq).at("links").as_array().empty()) << "a refresh is no link";
    }
}

TEST(RecursiveTest, AnInputUrlThatMovedToAnotherHostIsCrawledThere)
{
    test_server server;
    const std::string port = std::to_string(server.port());
    const std::string seed = "http://moved.test:" + port + "/redirect-to?location=http://www.moved.test:" + port + "/page/1";
    const auto run = run_crawl({seed}, {"--resolve", "moved.test:" + port + ":127.0.0.1", "--resolve",
                                        "www.moved.test:" + port + ":127.0.0.1", "--depth", "1", "--ignore-robots"});
    EXPECT_LE(run.process.exit_code, 1) << run.process.err;
    EXPECT_EQ(num(run.at(1), "status"), 302);
    ASSERT_FALSE(run.discovered.empty()) << run.process.err;
    EXPECT_EQ(str(run.discovered.front(), "url"), "http://www.moved.test:" + port + "/page/1");
    EXPECT_EQ(num(run.discovered.front(), "depth"), 0) << "a redirect is no hop deeper";
    EXPECT_EQ(str(run.discovered.front(), "found_on"), seed);
    std::size_t deeper = 0;
    for (const auto& r : run.discovered) {
        const std::string url(r.at("url").as_string());
        EXPECT_TRUE(url.starts_with("http://www.moved.test:" + port + "/")) << url << ": --scope host, the new host";
        deeper += num(r, "depth") == 1 ? 1U : 0U;
    }
    EXPECT_GT(deeper, 0U) << "the page the input URL moved to had its links followed";
}

TEST(RecursiveTest, ResumedAfterThreeSigkillsRecordsTheSamePagesEachOnce)
{
    web::web_params params = small_web();
    params.pages = 600;
    web::web_server server(params);
    const web::web& w = server.site();
    web::crawl_spec spec;
    spec.seeds = {w.url({web::kind::page, 0, 0, 0}), w.url({web::kind::page, 2, 0, 0})};
    spec.depth = 4;
    spec.scope = web::scope::any;
    spec.redirects = web::redirect_mode::queued;
    const auto expected = expected_depths(web::expect_crawl(w, spec));

    const std::string out = write_temp_file("recursive-resumed.jsonl", "");
    const auto args = with(resolve_all(server), {"-w", "2", "--depth", "4", "--scope", "any", "-o", out});
    const auto argv = crawl_argv(spec.seeds, args);
    std::mt19937 random(std::random_device{}());
    std::size_t lines_at_last_kill = 0;
    for (int kill = 0; kill < 3; ++kill) {
        auto resume_argv = argv;
        if (kill > 0) {
            resume_argv.insert(resume_argv.begin() + 2, "--resume");
        }
        background_process crawl(resume_argv);
        // Kill somewhere between a few and a few hundred new records.
        const std::size_t more = 5 + random() % 150;
        const bool reached = wait_until([&] {
            const auto text = read_file(out);
            return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) >= lines_at_last_kill + more;
        });
        crawl.send_signal(SIGKILL);
        const auto killed = crawl.wait(10s);
        if (!reached) {
            ADD_FAILURE() << "the crawl ended before its kill: " << killed.exit_code << " " << killed.err;
        }
        const auto text = read_file(out);
        lines_at_last_kill = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
        std::printf("kill %d after %zu records%s\n", kill + 1, lines_at_last_kill, reached ? "" : " (crawl ended)");
    }
    EXPECT_TRUE(std::filesystem::exists(out + ".frontier")) << "a killed crawl keeps its frontier";
    auto finish = argv;
    const std::string stats = write_temp_file("recursive-resumed.stats.json", "");
    finish.insert(finish.begin() + 2, {"--resume", "--stats", stats});
    const auto last = run_process(finish, {}, 60s);
    expect_no_sanitizer_report(last);
    EXPECT_LE(last.exit_code, 1) << last.err;
    EXPECT_FALSE(std::filesystem::exists(out + ".frontier")) << "a completed crawl leaves no frontier behind";
    EXPECT_FALSE(std::filesystem::exists(out + ".frontier-wal"));
    const auto frontier = boost::json::parse(read_file(stats)).at("frontier");
    EXPECT_EQ(frontier.at("waiting").to_number<int>(), 0);
    EXPECT_GT(frontier.at("disk_bytes").to_number<std::int64_t>(), 0);
    EXPECT_GT(frontier.at("seen_memory_bytes").to_number<std::int64_t>(), 0);
    const auto got = depths_in_file(out);
    EXPECT_EQ(got, expected) << difference(got, expected);
    // Requests: each URL once, but for the ones in flight at a kill.
    std::uint64_t repeats = 0;
    for (const auto& [url, n] : server.log().repeated()) {
        repeats += n - 1;
    }
    std::printf("%zu records (the oracle: %zu), %llu requests repeated after the kills\n", got.size(),
                expected.size(), static_cast<unsigned long long>(repeats));
    EXPECT_LE(repeats, 3u * 2 * 16 + 3 * w.hosts()) << "at most what was in flight (and robots.txt) at each kill";
}

} // namespace
} // namespace crawl::test
