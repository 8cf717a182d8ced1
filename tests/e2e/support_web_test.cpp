// Self-test of the synthetic web (tests/support/web) through the real crawl binary in list
// mode: what crawl records for the web's URLs (status, title, links, redirect ends, robots.txt
// refusals) is what the web's model says, and the server's request log counts what crawl
// sent. Then the standalone face, bench/crawl-web-server: its ready line, its log and summary,
// and its oracle mode giving what the in-process oracle gives.

#include "e2e/harness.hpp"
#include "support/dns_server.hpp"
#include "support/web/oracle.hpp"
#include "support/web/server.hpp"

#include <csignal>
#include <set>

namespace crawl::test {
namespace {

namespace web = crawl::test::web;
using web::kind;
using web::resource;

web::web_params small_web()
{
    web::web_params p;
    p.seed = 3;
    p.pages = 240;
    p.hosts = 4;
    p.page_bytes = 4096;
    return p;
}

/// The <a href> and <area href> targets of a page in document order, each once: what crawl's
/// extractor lists (frames and iframes are not among its links today).
std::vector<std::string> extracted_links(const web::web& w, const resource& page)
{
    std::vector<std::string> out;
    for (const web::link& l : w.plan(page).links) {
        const std::string u = w.url(l.target);
        if ((l.element == web::element::a || l.element == web::element::area) &&
            std::find(out.begin(), out.end(), u) == out.end()) {
            out.push_back(u);
        }
    }
    return out;
}

std::vector<std::string> strings(const boost::json::value& v)
{
    std::vector<std::string> out;
    for (const auto& s : v.as_array()) {
        out.emplace_back(s.as_string());
    }
    return out;
}

TEST(SupportWebTest, ListCrawlRecordsWhatTheModelSays)
{
    web::web_server server(small_web());
    const web::web& w = server.site();
    dns_server dns({.zone = "test"});

    // Every page reached by links or sitemaps (landing pages are the ends of chains, which
    // the input starts), every chain, print views, 404s, a calendar month, and a name of
    // the zone that is no host of the web.
    std::vector<resource> input;
    for (std::uint32_t h = 0; h < w.hosts(); ++h) {
        for (std::uint32_t i = 0; i < w.pages_on(h); ++i) {
            const bool landing = i >= w.linkable_pages(h) && i < w.linkable_pages(h) + w.landing_pages(h);
            if (!landing) {
                input.push_back({kind::page, h, i, 0});
            }
        }
        for (std::uint32_t c = 0; c < w.chains(h); ++c) {
            input.push_back({kind::redirect, h, c, 0});
        }
        input.push_back({kind::print, h, 4, 0});
        input.push_back({kind::missing, h, 9, 0});
        input.push_back({kind::calendar, h, 2031, 2});
    }
    std::vector<std::string> urls;
    for (const resource& r : input) {
        urls.push_back(w.url(r));
    }
    const std::string stranger = "http://nobody.test:" + std::to_string(server.port()) + "/";
    urls.push_back(stranger);

    const auto run = run_crawl(urls, {"-w", "2", "--per-host", "2", "--links", "--dns-server", dns.address()});
    ASSERT_EQ(run.records.size(), urls.size()) << run.process.err;

    std::size_t ok = 0;
    std::size_t refused = 0;
    std::size_t redirected = 0;
    for (std::size_t n = 0; n < input.size(); ++n) {
        const resource& r = input[n];
        const auto& rec = run.at(n + 1);
        ASSERT_EQ(str(rec, "url"), urls[n]);
        if (!w.robots_allow(r)) {
            EXPECT_EQ(error_class_of(rec), "robots_disallowed") << urls[n];
            EXPECT_EQ(server.requests_for(r), 0u) << urls[n];
            ++refused;
            continue;
        }
        EXPECT_EQ(server.requests_for(r), 1u) << urls[n] << " is requested exactly once";
        resource end = r;
        if (r.kind == kind::redirect) {
            end = w.chain_end(r.host, r.a);
            EXPECT_EQ(str(rec, "final_url"), w.url(end)) << urls[n];
            EXPECT_EQ(num(rec, "redirects"), w.chain_hops(r.host, r.a)) << urls[n];
            for (resource hop = w.redirect_target(r); hop.kind == kind::redirect; hop = w.redirect_target(hop)) {
                EXPECT_EQ(server.requests_for(hop), 1u) << w.url(hop);
            }
            EXPECT_EQ(server.requests_for(end), 1u) << w.url(end);
            ++redirected;
        }
        EXPECT_EQ(num(rec, "status"), end.kind == kind::missing ? 404 : 200) << urls[n];
        if (end.kind == kind::page) {
            EXPECT_EQ(str(rec, "title"), w.title(end)) << urls[n];
            EXPECT_EQ(str(rec, "content_encoding"), "gzip") << urls[n];
            EXPECT_EQ(num(rec, "body_bytes"), static_cast<std::int64_t>(w.html(end).size())) << urls[n];
            EXPECT_EQ(strings(rec.at("links")), extracted_links(w, end)) << urls[n];
            ++ok;
        }
    }
    EXPECT_EQ(num(run.records.rbegin()->second, "status"), 404) << "a name that is no host of the web";
    EXPECT_EQ(server.log().unknown_hosts().requests, 2u) << "its robots.txt and its page";
    std::printf("%zu pages ok, %zu robots refusals, %zu chains\n", ok, refused, redirected);
    EXPECT_GT(refused, 40u);
    EXPECT_EQ(redirected, 3u) << "one chain per host of 60 pages; the 503 host's is refused";

    // What the log says of the crawl: robots.txt once per host (the 503 one retried), no other
    // URL twice, and never more than --per-host in flight at one host.
    for (const auto& [url, count] : server.log().repeated()) {
        EXPECT_NE(url.find(w.host_name(*w.params().robots_503_host) + ":"), std::string::npos) << url;
        EXPECT_TRUE(url.ends_with(" /robots.txt")) << url << " requested " << count << " times";
    }
    std::uint64_t requests = 0;
    for (std::uint32_t h = 0; h < w.hosts(); ++h) {
        const web::host_counters c = server.log().host(h);
        EXPECT_GE(server.requests_for({kind::robots, h, 0, 0}), 1u) << w.host_name(h);
        EXPECT_LE(c.max_in_flight, 2u) << w.host_name(h);
        requests += c.requests;
    }
    EXPECT_EQ(requests + 2, server.log().requests());
    // Keep-alive: crawl's pooled connections each carry many requests.
    std::printf("%llu requests on %llu connections\n", static_cast<unsigned long long>(server.log().requests()),
                static_cast<unsigned long long>(server.connections()));
    EXPECT_LT(server.connections() * 4, server.log().requests());
    const auto entries = server.log().entries();
    ASSERT_EQ(entries.size(), server.log().requests());
    EXPECT_TRUE(std::all_of(entries.begin(), entries.end(), [](const web::web_request& e) {
        return e.done && *e.done >= e.at && e.in_flight >= 1 && e.status != 0;
    }));
}

/// Reads "key=value" from the standalone server's ready line.
std::string ready_value(const std::string& line, const std::string& key)
{
    const auto at = line.find(key + "=");
    if (at == std::string::npos) {
        return {};
    }
    const auto start = at + key.size() + 1;
    return line.substr(start, line.find_first_of(" \n", start) - start);
}

TEST(SupportWebTest, StandaloneServerLogsSummarizesAndAnswersAsTheOracle)
{
    const std::string dir = write_temp_file("web-log.tsv", "");
    const std::string log_path = dir;
    const std::string summary_path = dir + ".summary.json";
    const std::vector<std::string> web_args{"--seed", "3", "--pages", "240", "--hosts", "4", "--page-bytes", "4096"};
    std::vector<std::string> argv{CRAWL_WEB_SERVER, "--threads", "2", "--log", log_path, "--summary", summary_path};
    argv.insert(argv.end(), web_args.begin(), web_args.end());
    background_process server(argv);
    ASSERT_TRUE(wait_until([&] { return server.stdout_so_far().find('\n') != std::string::npos; }, std::chrono::seconds(30)));
    const std::string ready = server.stdout_so_far();
    const std::string port = ready_value(ready, "port");
    ASSERT_FALSE(port.empty()) << ready;
    EXPECT_EQ(ready_value(ready, "hosts"), "4");
    EXPECT_EQ(ready_value(ready, "home"), "http://d000000.test:" + port + "/");

    // The oracle, from the binary and in-process, for the same web on the same port.
    std::vector<std::string> oracle_argv{CRAWL_WEB_SERVER, "--oracle", "--urls", "--port", port, "--depth", "2",
                                         "--scope", "domain", "--start", "http://d000000.test:" + port + "/"};
    oracle_argv.insert(oracle_argv.end(), web_args.begin(), web_args.end());
    const auto oracle = run_process(oracle_argv);
    ASSERT_EQ(oracle.exit_code, 0) << oracle.err;
    web::web_params p = small_web();
    p.port = static_cast<std::uint16_t>(std::stoul(port));
    const web::web w(p);
    web::crawl_spec spec;
    spec.seeds = {w.url({kind::page, 0, 0, 0})};
    spec.depth = 2;
    spec.scope = web::scope::domain;
    const auto expected = web::expect_crawl(w, spec);
    std::set<std::string> fetched;
    std::uint64_t requests = 0; // a chain's record requests each hop and its end
    std::set<std::uint32_t> hosts;
    for (std::size_t d = 0; d < expected.exact_depths; ++d) {
        for (const web::visit& v : expected.depths[d]) {
            if (v.outcome != web::outcome::robots_refused && v.outcome != web::outcome::unresolvable) {
                fetched.insert(v.url);
                requests += 1 + v.hops.size();
                hosts.insert(w.resource_of(v.url)->host);
                hosts.insert(w.resource_of(v.final_url)->host);
            }
        }
    }
    const auto lines = [](const std::string& text) {
        std::set<std::string> out;
        std::istringstream in(text);
        for (std::string line; std::getline(in, line);) {
            out.insert(line);
        }
        return out;
    };
    EXPECT_EQ(lines(oracle.out), fetched);
    EXPECT_GT(fetched.size(), 20u);

    // A list crawl of those URLs through --resolve; then SIGTERM, and the server's account.
    std::vector<std::string> args{"-w", "1", "--per-host", "1", "--ignore-robots"};
    for (std::uint32_t h = 0; h < w.hosts(); ++h) {
        args.insert(args.end(), {"--resolve", w.host_name(h) + ":" + port + ":127.0.0.1"});
    }
    const auto run = run_crawl(std::vector<std::string>(fetched.begin(), fetched.end()), args);
    ASSERT_EQ(run.records.size(), fetched.size()) << run.process.err;
    server.send_signal(SIGTERM);
    const auto stopped = server.wait(std::chrono::seconds(30));
    EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
    EXPECT_NE(stopped.err.find("served " + std::to_string(requests) + " requests"), std::string::npos) << stopped.err;

    const auto summary = boost::json::parse(read_file(summary_path)).as_object();
    EXPECT_EQ(summary.at("requests").to_number<std::uint64_t>(), requests);
    EXPECT_EQ(summary.at("distinct_urls").to_number<std::uint64_t>(), requests) << "each URL once";
    EXPECT_EQ(summary.at("repeated_urls").to_number<std::uint64_t>(), 0u);
    EXPECT_EQ(summary.at("max_in_flight").to_number<std::uint64_t>(), 1u) << "--per-host 1";
    EXPECT_EQ(summary.at("hosts_requested").to_number<std::uint64_t>(), hosts.size());
    EXPECT_GE(hosts.size(), 2u) << "scope domain: a host besides the seed's";
    const std::string tsv = read_file(log_path);
    EXPECT_EQ(static_cast<std::uint64_t>(std::count(tsv.begin(), tsv.end(), '\n')), requests);
    EXPECT_NE(tsv.find("\t200\t"), std::string::npos);
    EXPECT_NE(tsv.find("\td000000.test:" + port + "\t/\n"), std::string::npos) << tsv.substr(0, 400);
}

} // namespace
} // namespace crawl::test
