// Politeness end to end: robots.txt (RFC 9309), --delay and Crawl-delay across workers, and a
// slow or rate-limited host never holding back the others.

#include "harness.hpp"
#include "support/test_server.hpp"

#include <algorithm>
#include <thread>

namespace crawl::test {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

scripted_response robots_txt(std::string body)
{
    scripted_response r;
    r.body = std::move(body);
    return r;
}

/// Gaps between consecutive request arrivals at the server, in arrival order.
std::vector<std::chrono::milliseconds> gaps(const std::vector<logged_request>& log)
{
    std::vector<std::chrono::milliseconds> out;
    for (std::size_t i = 1; i < log.size(); ++i) {
        out.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(log[i].at - log[i - 1].at));
    }
    return out;
}

std::chrono::milliseconds span(const std::vector<logged_request>& log)
{
    if (log.size() < 2) {
        return 0ms;
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(log.back().at - log.front().at);
}

TEST(RobotsTxtTest, RulesDecideWhatIsFetchedAndRobotsTxtIsFetchedOnce)
{
    test_server server;
    server.set_response("/robots.txt", robots_txt("User-agent: *\n"
                                                  "Disallow: /page/\n"
                                                  "Allow: /page/1$\n"
                                                  "Disallow: /*?private=\n"
                                                  "\n"
                                                  "User-agent: otherbot\n"
                                                  "Disallow: /\n"));
    std::vector<std::string> urls;
    for (int i = 0; i < 10; ++i) {
        urls.push_back(server.url("/page/" + std::to_string(i)));   // only /page/1 allowed
        urls.push_back(server.url("/gzip/" + std::to_string(i)));   // allowed
        urls.push_back(server.url("/chunked/" + std::to_string(i) + "?private=" + std::to_string(i))); // no
    }
    urls.push_back(server.url("/page/1?x=1")); // "$" ends the Allow: this one is disallowed
    const auto run = run_crawl(urls, {"-w", "4"});
    ASSERT_EQ(run.records.size(), urls.size()) << run.process.err;
    EXPECT_EQ(server.requests_for("/robots.txt"), 1u) << "fetched once per origin, for all four workers";
    for (const auto& [seq, r] : run.records) {
        const std::string url = str(r, "url");
        const bool allowed = url == server.url("/page/1") || url.find("/gzip/") != std::string::npos;
        SCOPED_TRACE(url);
        if (allowed) {
            EXPECT_TRUE(r.at("ok").as_bool());
            EXPECT_EQ(num(r, "attempts"), 1);
        } else {
            EXPECT_EQ(error_class_of(r), "robots_disallowed");
            EXPECT_EQ(num(r, "worker"), -1) << "the supervisor answers for disallowed URLs";
            EXPECT_EQ(num(r, "attempts"), 0);
            EXPECT_EQ(str(r, "final_url"), "<null>");
        }
    }
    const auto message = str(run.at(1).at("error").as_object(), "message");
    EXPECT_NE(message.find("Disallow: /page/"), std::string::npos) << message;
    EXPECT_EQ(server.requests_for("/page/"), 1u) << "disallowed pages are never requested";
    EXPECT_EQ(server.requests_for("/chunked/"), 0u);
    EXPECT_EQ(server.requests_for("/gzip/"), 10u);
    EXPECT_NE(run.process.err.find("robots_disallowed 20"), std::string::npos) << run.process.err;
}

TEST(RobotsTxtTest, EveryRuleOfANearlyHalfMegabyteRobotsTxtCounts)
{
    // 20,000 anchored rules, one per even page, then one more at the end: the file is parsed
    // by a worker, sent to the supervisor as a frame of rules and checked there per URL.
    std::string body = "User-agent: *\n";
    for (int i = 0; i < 40000; i += 2) {
        body += "Disallow: /page/" + std::to_string(i) + "$\n";
    }
    body += "Disallow: /gzip/7\n";
    ASSERT_LT(body.size(), 500u * 1024);
    test_server server;
    server.set_response("/robots.txt", robots_txt(body));
    std::vector<std::string> urls;
    for (int i = 0; i < 40; ++i) {
        urls.push_back(server.url("/page/" + std::to_string(i * 997)));
    }
    for (int i = 0; i < 10; ++i) {
        urls.push_back(server.url("/gzip/" + std::to_string(i)));
    }
    const auto run = run_crawl(urls, {"-w", "2"});
    ASSERT_EQ(run.records.size(), urls.size()) << run.process.err;
    for (int i = 0; i < 40; ++i) {
        SCOPED_TRACE(urls[static_cast<std::size_t>(i)]);
        const bool disallowed = (i * 997) % 2 == 0 && i * 997 < 40000;
        EXPECT_EQ(error_class_of(run.at(static_cast<std::uint64_t>(i) + 1)), disallowed ? "robots_disallowed" : "none");
    }
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(error_class_of(run.at(41 + static_cast<std::uint64_t>(i))), i == 7 ? "robots_disallowed" : "none");
    }
    EXPECT_EQ(server.requests_for("/robots.txt"), 1u);
    EXPECT_EQ(server.requests_for("/page/"), 20u);
    EXPECT_EQ(server.requests_for("/gzip/"), 9u);
}

TEST(RobotsTxtTest, RulesBeyondTheCacheAreEvictedAndFetchedAgainWhenNeeded)
{
    // Three origins whose rules take about 160 KB each in the supervisor, a cache of 256 KiB:
    // each answer evicts the one before. Their second URLs come after 1,100 lines of a fourth
    // origin that disallows everything (more than the supervisor reads ahead), so by then the
    // first answers are gone and must be fetched again; the verdicts stay right throughout.
    std::string big = "User-agent: *\n";
    for (int i = 0; i < 2000; ++i) {
        big += "Disallow: /private/area/" + std::to_string(i) + "/\n";
    }
    big += "Disallow: /secret\n";
    test_server a;
    test_server b;
    test_server c;
    test_server none_allowed;
    for (test_server* s : {&a, &b, &c}) {
        s->set_response("/robots.txt", robots_txt(big));
    }
    none_allowed.set_response("/robots.txt", robots_txt("User-agent: *\nDisallow: /\n"));
    std::vector<std::string> urls = {a.url("/page/1"), b.url("/page/1"), c.url("/page/1")};
    for (int i = 0; i < 1100; ++i) {
        urls.push_back(none_allowed.url("/page/" + std::to_string(i)));
    }
    for (test_server* s : {&a, &b, &c}) {
        urls.push_back(s->url("/secret"));
        urls.push_back(s->url("/page/2"));
    }
    const auto stats = write_temp_file("robots-cache-stats.json", "");
    const auto run = run_crawl(urls, {"-w", "1", "-c", "1", "--robots-cache", "256K", "--stats", stats});
    ASSERT_EQ(run.records.size(), urls.size()) << run.process.err;
    for (const auto& [seq, r] : run.records) {
        const std::string url = str(r, "url");
        SCOPED_TRACE(url);
        const bool allowed = url.find(none_allowed.url("/")) == std::string::npos && url.find("/secret") == std::string::npos;
        EXPECT_EQ(error_class_of(r), allowed ? "none" : "robots_disallowed");
    }
    const auto robots_requests =
        a.requests_for("/robots.txt") + b.requests_for("/robots.txt") + c.requests_for("/robots.txt");
    EXPECT_GE(robots_requests, 5u) << "at least two of the three were evicted and fetched again";
    EXPECT_LE(robots_requests, 6u);
    const auto totals = boost::json::parse(read_file(stats)).as_object();
    EXPECT_GE(num(totals, "robots_evicted"), 3);
    EXPECT_EQ(num(totals, "robots_fetched"), static_cast<std::int64_t>(robots_requests) + 1);
    EXPECT_NE(run.process.err.find("evicted from the cache"), std::string::npos) << run.process.err;

    // With the default cache every origin's robots.txt is fetched once.
    const auto roomy = run_crawl(urls, {"-w", "1", "-c", "1"});
    ASSERT_EQ(roomy.records.size(), urls.size()) << roomy.process.err;
    EXPECT_EQ(a.requests_for("/robots.txt") + b.requests_for("/robots.txt") + c.requests_for("/robots.txt"),
              robots_requests + 3);
}

TEST(RobotsTxtTest, UserAgentTokenSelectsTheGroup)
{
    test_server server;
    server.set_response("/robots.txt", robots_txt("User-agent: *\nDisallow: /gzip/\n\n"
                                                  "User-agent: otherbot\nDisallow: /page/\n"));
    const std::vector<std::string> urls{server.url("/page/1"), server.url("/gzip/1")};
    const auto by_default = run_crawl(urls, {});
    EXPECT_TRUE(by_default.at(1).at("ok").as_bool());
    EXPECT_EQ(error_class_of(by_default.at(2)), "robots_disallowed");
    const auto by_option = run_crawl(urls, {"--robots-agent", "OtherBot"});
    EXPECT_EQ(error_class_of(by_option.at(1)), "robots_disallowed");
    EXPECT_TRUE(by_option.at(2).at("ok").as_bool());
    // The token comes from --user-agent when --robots-agent is not given.
    const auto by_agent = run_crawl(urls, {"-A", "otherbot/2.0 (+https://example.com/bot)"});
    EXPECT_EQ(error_class_of(by_agent.at(1)), "robots_disallowed");
    EXPECT_TRUE(by_agent.at(2).at("ok").as_bool());
}

TEST(RobotsTxtTest, StatusDecidesWhenThereAreNoRules)
{
    test_server missing;     // 404: unavailable, everything allowed
    test_server failing;     // 503: unreachable, nothing allowed
    test_server redirected;  // 301 to the real file, which is obeyed
    scripted_response unavailable;
    unavailable.status = 503;
    failing.set_response("/robots.txt", unavailable);
    scripted_response moved;
    moved.status = 301;
    moved.headers.emplace_back("Location", "/real-robots.txt");
    redirected.set_response("/robots.txt", moved);
    redirected.set_response("/real-robots.txt", robots_txt("User-agent: *\nDisallow: /page/5\n"));
    const std::vector<std::string> urls{missing.url("/page/1"),   missing.url("/page/2"),   failing.url("/page/1"),
                                        failing.url("/page/2"),   redirected.url("/page/5"), redirected.url("/page/6"),
                                        "http://127.0.0.1:1/page/1"};
    const auto run = run_crawl(urls, {"--retries", "1", "--retry-base", "50"});
    ASSERT_EQ(run.records.size(), urls.size()) << run.process.err;
    EXPECT_TRUE(run.at(1).at("ok").as_bool());
    EXPECT_TRUE(run.at(2).at("ok").as_bool());
    EXPECT_EQ(error_class_of(run.at(3)), "robots_disallowed");
    EXPECT_EQ(error_class_of(run.at(4)), "robots_disallowed");
    const auto why = str(run.at(3).at("error").as_object(), "message");
    EXPECT_NE(why.find("robots.txt unreachable (HTTP 503)"), std::string::npos) << why;
    EXPECT_EQ(failing.requests_for("/robots.txt"), 2u) << "a 503 robots.txt is retried like any request";
    EXPECT_EQ(failing.requests_for("/page/"), 0u);
    EXPECT_EQ(error_class_of(run.at(5)), "robots_disallowed");
    EXPECT_TRUE(run.at(6).at("ok").as_bool());
    EXPECT_EQ(redirected.requests_for("/real-robots.txt"), 1u);
    EXPECT_EQ(error_class_of(run.at(7)), "robots_disallowed") << "unreachable host: disallow all";
    const auto refused = str(run.at(7).at("error").as_object(), "message");
    EXPECT_NE(refused.find("unreachable"), std::string::npos) << refused;
}

TEST(RobotsTxtTest, IgnoreRobotsFetchesEverythingAndNoRobotsTxt)
{
    test_server server;
    server.set_response("/robots.txt", robots_txt("User-agent: *\nDisallow: /\n"));
    const auto run = run_crawl({server.url("/page/1"), server.url("/page/2")}, {"--ignore-robots"});
    EXPECT_EQ(run.process.exit_code, 0) << run.process.out;
    EXPECT_EQ(server.requests_for("/robots.txt"), 0u);
    EXPECT_EQ(server.requests_for("/page/"), 2u);
}

TEST(RobotsTxtTest, UrlsWaitForTheirRobotsTxtWithoutHoldingBackOtherHosts)
{
    test_server slow_robots;
    test_server other;
    scripted_response late = robots_txt("User-agent: *\nDisallow:\n");
    late.delay = 2500ms;
    slow_robots.set_response("/robots.txt", late);
    std::vector<std::string> urls;
    for (int i = 0; i < 5; ++i) {
        urls.push_back(slow_robots.url("/page/" + std::to_string(i)));
    }
    for (int i = 0; i < 20; ++i) {
        urls.push_back(other.url("/page/" + std::to_string(i)));
    }
    const auto run = run_crawl(urls, {"-w", "1", "-c", "2"});
    ASSERT_EQ(run.records.size(), urls.size()) << run.process.err;
    EXPECT_EQ(run.process.exit_code, 0) << run.process.out;
    const auto robots_asked = slow_robots.requests_log("/robots.txt").at(0).at;
    const auto first_page = slow_robots.requests_log("/page/").at(0).at;
    const auto others = other.requests_log("/page/");
    ASSERT_EQ(others.size(), 20u);
    EXPECT_GE(first_page - robots_asked, 2400ms) << "its pages waited for the answer";
    EXPECT_LT(others.back().at, robots_asked + 2400ms) << "the other host did not wait";
}

TEST(PacingTest, DelaySpacesRequestStartsToOneHostAcrossWorkers)
{
    test_server paced;
    test_server other;
    std::vector<std::string> urls;
    for (int i = 0; i < 6; ++i) {
        urls.push_back(paced.url("/page/" + std::to_string(i)));
    }
    for (int i = 0; i < 6; ++i) {
        // Another host, paced too, but on its own clock.
        urls.push_back(other.url("/page/" + std::to_string(i)));
    }
    const auto run = run_crawl(urls, {"-w", "4", "--delay", "200"});
    ASSERT_EQ(run.records.size(), 12u) << run.process.err;
    EXPECT_EQ(run.process.exit_code, 0);
    const auto log = paced.requests_log("/");
    ASSERT_EQ(log.size(), 7u) << "robots.txt and six pages";
    // The supervisor spaces the dispatches exactly; what the server sees adds each request's
    // own latency (a worker waking up, a connection being made), a few ms, more under load.
    std::string seen;
    for (const auto gap : gaps(log)) {
        seen += std::to_string(gap.count()) + " ";
        EXPECT_GE(gap, 100ms) << "request starts to one host are --delay apart (unpaced: ~1 ms)";
    }
    std::printf("--delay 200 with 4 workers: gaps between request arrivals at one host: %sms\n", seen.c_str());
    EXPECT_GE(span(log), 1100ms) << "six gaps of 200 ms";
    // Both hosts take about 6 x 200 ms, side by side rather than one after the other.
    const auto other_log = other.requests_log("/");
    ASSERT_EQ(other_log.size(), 7u);
    EXPECT_LT(std::chrono::abs(other_log.front().at - log.front().at), 150ms);
    EXPECT_LT(std::chrono::abs(other_log.back().at - log.back().at), 300ms);
}

TEST(PacingTest, CrawlDelayRaisesTheDelayUpToMaxDelay)
{
    test_server polite;
    test_server greedy;
    polite.set_response("/robots.txt", robots_txt("User-agent: *\nCrawl-delay: 0.3\n"));
    greedy.set_response("/robots.txt", robots_txt("User-agent: *\nCrawl-delay: 30\n"));
    std::vector<std::string> urls;
    for (int i = 0; i < 4; ++i) {
        urls.push_back(polite.url("/page/" + std::to_string(i)));
        urls.push_back(greedy.url("/page/" + std::to_string(i)));
    }
    const auto start = steady::now();
    const auto run = run_crawl(urls, {"-w", "2", "--max-delay", "200"});
    const auto elapsed = steady::now() - start;
    ASSERT_EQ(run.records.size(), 8u) << run.process.err;
    // --max-delay caps Crawl-delay: 200 ms, not 0.3 s... and far from 30 s.
    const auto polite_log = polite.requests_log("/page/");
    const auto greedy_log = greedy.requests_log("/page/");
    for (const auto& log : {polite_log, greedy_log}) {
        ASSERT_EQ(log.size(), 4u);
        for (const auto gap : gaps(log)) {
            EXPECT_GE(gap, 100ms);
        }
        EXPECT_GE(span(log), 550ms) << "three gaps of 200 ms";
    }
    EXPECT_LT(elapsed, 5s);
    // Without a cap in the way, Crawl-delay: 0.3 is 300 ms.
    const auto uncapped = run_crawl({polite.url("/gzip/1"), polite.url("/gzip/2"), polite.url("/gzip/3")}, {});
    ASSERT_EQ(uncapped.records.size(), 3u);
    const auto uncapped_log = polite.requests_log("/gzip/");
    for (const auto gap : gaps(uncapped_log)) {
        EXPECT_GE(gap, 150ms);
    }
    EXPECT_GE(span(uncapped_log), 550ms) << "two gaps of 300 ms";
}

/// Watches a running crawl's stdout and notes when each record appeared.
struct arrival_watch {
    std::map<std::uint64_t, steady::duration> seen; ///< seq → time since start

    void poll(const std::string& out, steady::time_point start)
    {
        std::size_t pos = 0;
        while (true) {
            const auto nl = out.find('\n', pos);
            if (nl == std::string::npos) {
                break;
            }
            const auto line = std::string_view(out).substr(pos, nl - pos);
            pos = nl + 1;
            const auto colon = line.find(':');
            const auto comma = line.find(',');
            if (colon == std::string_view::npos || comma == std::string_view::npos) {
                continue;
            }
            const auto seq = std::stoull(std::string(line.substr(colon + 1, comma - colon - 1)));
            seen.try_emplace(seq, steady::now() - start);
        }
    }
};

TEST(PacingTest, SlowAndRateLimitedHostsNeverHoldBackFastHosts)
{
    test_server slow;
    test_server limited;
    std::vector<test_server> fast(4);
    std::vector<std::string> fast_urls;
    for (int i = 0; i < 1000; ++i) {
        fast_urls.push_back(fast[static_cast<std::size_t>(i) % 4].url("/page/" + std::to_string(i)));
    }
    const std::vector<std::string> args{"-w", "2", "-c", "16", "--per-host", "2", "--retries", "2"};

    // The fast hosts alone, for their own pace on this machine now.
    const auto baseline_start = steady::now();
    const auto baseline = run_crawl(fast_urls, args);
    const auto baseline_time = steady::now() - baseline_start;
    ASSERT_EQ(baseline.records.size(), 1000u) << baseline.process.err;

    // The slow host answers each URL in 2 s, two at a time: give it enough rounds to outlast
    // the fast hosts' own pace twice over, whatever this machine's speed.
    const auto rounds = static_cast<int>(std::max<std::int64_t>(
        3, std::chrono::duration_cast<std::chrono::seconds>(2 * baseline_time + 2s).count() / 2 + 1));
    std::vector<std::string> urls;
    for (int i = 0; i < 2 * rounds; ++i) {
        urls.push_back(slow.url("/slow?ms=2000&i=" + std::to_string(i)));
    }
    const auto slow_count = urls.size();
    for (int i = 0; i < 4; ++i) {
        // 429 with Retry-After: 1, every time: the whole host waits 1 s between attempts.
        urls.push_back(limited.url("/status-then-ok?fail=100&code=429&retry-after=1&key=" + std::to_string(i)));
    }
    const auto limited_end = urls.size();
    urls.insert(urls.end(), fast_urls.begin(), fast_urls.end());

    const auto path = write_temp_file("mixed.txt", lines_of(urls));
    std::vector<std::string> argv{CRAWL_BIN, "--no-progress"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(path);
    const auto start = steady::now();
    background_process crawl(argv);
    arrival_watch watch;
    const auto fast_count = [&] {
        return std::count_if(watch.seen.begin(), watch.seen.end(),
                             [&](const auto& e) { return e.first > limited_end; });
    };
    while (fast_count() < 1000 && steady::now() - start < 60s) {
        std::this_thread::sleep_for(10ms);
        watch.poll(crawl.stdout_so_far(), start);
    }
    const auto fast_done = steady::now() - start;
    const auto slow_done_then = std::count_if(watch.seen.begin(), watch.seen.end(),
                                              [&](const auto& e) { return e.first <= slow_count; });
    auto result = crawl.wait(60s);
    const auto total = steady::now() - start;
    const auto run = records_of(result.out);
    ASSERT_EQ(run.records.size(), urls.size()) << result.err;
    EXPECT_EQ(fast_count(), 1000);
    std::printf("1000 URLs of 4 fast hosts alone: %.2f s; with a 2 s host (%zu URLs) and a 429 host: fast done at "
                "%.2f s, all at %.2f s; slow host records done by then: %ld of %zu\n",
                std::chrono::duration<double>(baseline_time).count(), slow_count,
                std::chrono::duration<double>(fast_done).count(), std::chrono::duration<double>(total).count(),
                static_cast<long>(slow_done_then), slow_count);
    EXPECT_LT(static_cast<std::size_t>(slow_done_then), slow_count)
        << "the fast hosts finished while the slow one still worked";
    EXPECT_GE(total, std::chrono::seconds(2 * rounds) - 500ms) << "the slow host really took its rounds of 2 s";
    EXPECT_LT(fast_done, baseline_time + baseline_time / 2 + 1500ms) << "the fast hosts kept their own pace";
    for (std::uint64_t seq = slow_count + 1; seq <= limited_end; ++seq) {
        EXPECT_EQ(num(run.at(seq), "status"), 429);
        EXPECT_EQ(num(run.at(seq), "attempts"), 3);
    }
}

} // namespace
} // namespace crawl::test
