// Politeness end to end: robots.txt (RFC 9309), --delay and Crawl-delay across workers, and a
// slow or rate-limited host never holding back the others.

#include "harness.hpp"
#include "support/routes.hpp"
#include "support/test_server.hpp"

#include <algorithm>
#include <set>

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

/// How many requests of `log` arrived strictly between `from` and `to`.
std::size_t arrivals_between(const std::vector<logged_request>& log, steady::time_point from, steady::time_point to)
{
    return static_cast<std::size_t>(
        std::count_if(log.begin(), log.end(), [&](const logged_request& r) { return r.at > from && r.at < to; }));
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
    // A host that is down is not a refusal: its URLs carry the cause, and still nothing is fetched.
    EXPECT_EQ(error_class_of(run.at(7)), "connect") << "unreachable host: disallow all, for its own reason";
    const auto refused = str(run.at(7).at("error").as_object(), "message");
    EXPECT_NE(refused.find("robots.txt unreachable"), std::string::npos) << refused;
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
    scripted_response held = robots_txt("User-agent: *\nDisallow:\n");
    held.hold = true; // answered only when the test says
    slow_robots.set_response("/robots.txt", held);
    std::vector<std::string> urls;
    for (int i = 0; i < 5; ++i) {
        urls.push_back(slow_robots.url("/page/" + std::to_string(i)));
    }
    for (int i = 0; i < 20; ++i) {
        urls.push_back(other.url("/page/" + std::to_string(i)));
    }
    background_process crawl(crawl_argv(urls, {"-w", "1", "-c", "2"}));
    // While one host's robots.txt is unanswered, the other host gets all its pages, this one none.
    EXPECT_TRUE(wait_until([&] { return other.requests_for("/page/") == 20; })) << "the other host did not wait";
    EXPECT_EQ(slow_robots.requests_for("/robots.txt"), 1u);
    EXPECT_EQ(slow_robots.requests_for("/page/"), 0u) << "its pages wait for the answer";
    slow_robots.release_held();
    const auto run = finish_crawl(crawl);
    ASSERT_EQ(run.records.size(), urls.size()) << run.process.err;
    EXPECT_EQ(run.process.exit_code, 0) << run.process.out;
    const auto robots = slow_robots.requests_log("/robots.txt").at(0);
    const auto pages = slow_robots.requests_log("/page/");
    ASSERT_EQ(pages.size(), 5u);
    ASSERT_TRUE(robots.done.has_value());
    EXPECT_GE(pages.front().at, *robots.done) << "its first page came after the answer";
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
    const auto run = run_crawl(urls, {"-w", "4", "--delay", "300"});
    ASSERT_EQ(run.records.size(), 12u) << run.process.err;
    EXPECT_EQ(run.process.exit_code, 0);
    const auto log = paced.requests_log("/");
    ASSERT_EQ(log.size(), 7u) << "robots.txt and six pages";
    // The supervisor spaces the sends as the workers report them; what the server sees adds
    // each request's way from the worker's write to the server's read (microseconds, more on a
    // loaded machine): a gap may fall short by the difference of two of those.
    std::string seen;
    for (const auto gap : gaps(log)) {
        seen += std::to_string(gap.count()) + " ";
        EXPECT_GE(gap, 150ms) << "request starts to one host are --delay apart (unpaced: ~1 ms)";
    }
    std::printf("--delay 300 with 4 workers: gaps between request arrivals at one host: %sms\n", seen.c_str());
    EXPECT_GE(span(log), 1650ms) << "six gaps of 300 ms";
    // Each host is paced on its own clock, side by side: both start a request at each tick, so
    // nearly every request here has a twin at the other host within half a delay. (One host
    // after the other would leave at most one twin; one clock for both, none: they would take
    // turns, a delay apart.)
    const auto other_log = other.requests_log("/");
    ASSERT_EQ(other_log.size(), 7u);
    const auto with_twin = std::count_if(log.begin(), log.end(), [&](const logged_request& r) {
        return arrivals_between(other_log, r.at - 150ms, r.at + 150ms) > 0;
    });
    EXPECT_GE(with_twin, 5);
}

TEST(PacingTest, DelayCountsFromEachRequestsSendRedirectHopsAndRobotsTxtIncluded)
{
    // Every request the server sees counts: robots.txt, each hop of a redirect chain within the
    // host, and a hop into it from another host. (Before pacing went by the actual send, the
    // hops of a chain came back to back, a millisecond apart.)
    test_server paced;
    test_server other;
    std::vector<std::string> urls{paced.url("/redirect/2")};
    for (int i = 2; i < 5; ++i) {
        urls.push_back(paced.url("/page/" + std::to_string(i)));
    }
    urls.push_back(other.url("/redirect-to?location=" + paced.url("/page/9")));
    const auto run = run_crawl(urls, {"-w", "2", "--delay", "400"});
    ASSERT_EQ(run.records.size(), urls.size()) << run.process.err;
    EXPECT_EQ(run.process.exit_code, 0) << run.process.err;
    const auto log = paced.requests_log("/");
    ASSERT_EQ(log.size(), 9u) << "robots.txt, three redirects, /page/1 they lead to, pages 2-4, /page/9";
    std::string seen;
    const auto spacing = gaps(log);
    for (std::size_t i = 0; i < spacing.size(); ++i) {
        seen += std::to_string(spacing[i].count()) + " ";
        // The slack is the way in: from the worker's write to the server's read of the header,
        // tens of ms on a loaded machine, most on a fresh connection (the server's accept).
        EXPECT_GE(spacing[i], 300ms) << "no two request starts to one host closer than --delay 400, less the way in: "
                                     << log[i].target << " then " << log[i + 1].target;
    }
    std::printf("--delay 400, 2 workers, redirects and robots.txt: gaps at the paced host: %sms\n", seen.c_str());
}

TEST(PacingTest, CrawlDelayRaisesTheDelayUpToMaxDelay)
{
    test_server polite;
    test_server greedy;
    polite.set_response("/robots.txt", robots_txt("User-agent: *\nCrawl-delay: 0.5\n"));
    greedy.set_response("/robots.txt", robots_txt("User-agent: *\nCrawl-delay: 30\n"));
    std::vector<std::string> urls;
    for (int i = 0; i < 4; ++i) {
        urls.push_back(polite.url("/page/" + std::to_string(i)));
        urls.push_back(greedy.url("/page/" + std::to_string(i)));
    }
    const auto run = run_crawl(urls, {"-w", "2", "--max-delay", "300"});
    ASSERT_EQ(run.records.size(), 8u) << run.process.err;
    // --max-delay caps Crawl-delay: 300 ms, not 0.5 s... and far from 30 s.
    const auto polite_log = polite.requests_log("/page/");
    const auto greedy_log = greedy.requests_log("/page/");
    for (const auto& log : {polite_log, greedy_log}) {
        ASSERT_EQ(log.size(), 4u);
        for (const auto gap : gaps(log)) {
            EXPECT_GE(gap, 150ms);
            EXPECT_LT(gap, 5s) << "Crawl-delay: 30 capped to 300 ms";
        }
        EXPECT_GE(span(log), 750ms) << "three gaps of 300 ms";
    }
    // Without a cap in the way, Crawl-delay: 0.5 is 500 ms.
    const auto uncapped = run_crawl({polite.url("/gzip/1"), polite.url("/gzip/2"), polite.url("/gzip/3")}, {});
    ASSERT_EQ(uncapped.records.size(), 3u);
    const auto uncapped_log = polite.requests_log("/gzip/");
    for (const auto gap : gaps(uncapped_log)) {
        EXPECT_GE(gap, 250ms);
    }
    EXPECT_GE(span(uncapped_log), 750ms) << "two gaps of 500 ms";
}

TEST(PacingTest, SlowAndRateLimitedHostsNeverHoldBackFastHosts)
{
    test_server slow;
    test_server limited;
    std::vector<test_server> fast(4);
    // The slow host answers only when the test says: as slow as the fast hosts take to finish,
    // whatever this machine's speed.
    scripted_response held;
    held.hold = true;
    held.content_type = "text/html";
    held.body = routes::page_html(1);
    slow.set_response("/held", held);
    std::vector<std::string> urls;
    for (int i = 0; i < 6; ++i) {
        urls.push_back(slow.url("/held?i=" + std::to_string(i)));
    }
    const auto slow_count = urls.size();
    for (int i = 0; i < 4; ++i) {
        // 429 with Retry-After: 1, every time: the whole host waits 1 s between attempts.
        urls.push_back(limited.url("/status-then-ok?fail=100&code=429&retry-after=1&key=" + std::to_string(i)));
    }
    const auto limited_end = urls.size();
    for (int i = 0; i < 1000; ++i) {
        urls.push_back(fast[static_cast<std::size_t>(i) % 4].url("/page/" + std::to_string(i)));
    }
    const auto fast_log = [&] {
        std::vector<logged_request> all;
        for (const test_server& s : fast) {
            const auto log = s.requests_log("/page/");
            all.insert(all.end(), log.begin(), log.end());
        }
        return all;
    };
    // No deadline may end the held requests: they wait as long as the fast hosts take.
    background_process crawl(crawl_argv(urls, {"-w", "2", "-c", "16", "--per-host", "2", "--retries", "2",
                                               "--timeout", "600", "--read-timeout", "600"}));
    const bool all_served = wait_until(
        [&] { return fast_log().size() == 1000 && limited.requests_for("/status-then-ok") == 12; });
    EXPECT_TRUE(all_served) << fast_log().size() << " fast pages, " << limited.requests_for("/status-then-ok")
                            << " requests to the 429 host, with the slow host's answers held";
    EXPECT_EQ(slow.requests_for("/held"), 2u) << "the slow host had its two requests in flight, the rest queued";
    slow.release_held();
    const auto run = finish_crawl(crawl);
    ASSERT_EQ(run.records.size(), urls.size()) << run.process.err;
    EXPECT_EQ(slow.requests_for("/held"), slow_count);
    EXPECT_EQ(slow.max_in_flight("/held"), 2u);
    for (std::uint64_t seq = slow_count + 1; seq <= limited_end; ++seq) {
        EXPECT_EQ(num(run.at(seq), "status"), 429);
        EXPECT_EQ(num(run.at(seq), "attempts"), 3);
    }
    // The 429 host's first pause: from its first answer to the first retry. The fast hosts
    // kept being served through it (a pause that stalled everyone would let none through).
    const auto limited_log = limited.requests_log("/status-then-ok");
    ASSERT_EQ(limited_log.size(), 12u);
    ASSERT_TRUE(limited_log.front().done.has_value());
    std::set<std::string> keys_seen;
    const auto first_retry = std::find_if(limited_log.begin(), limited_log.end(), [&](const logged_request& r) {
        return !keys_seen.insert(r.target).second;
    });
    ASSERT_NE(first_retry, limited_log.end());
    const auto during_pause = arrivals_between(fast_log(), *limited_log.front().done, first_retry->at);
    std::printf("fast pages requested during the 429 host's first pause: %zu of 1000\n", during_pause);
    EXPECT_GE(during_pause, 50u);
}

} // namespace
} // namespace crawl::test
