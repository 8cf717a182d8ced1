// The coordinator and robots.txt, with a fake worker pool and a fake clock: URLs wait for their
// origin's answer, the answer admits or refuses them, Crawl-delay paces, a failed fetch is
// retried, an evicted answer is fetched again.

#include "coordinator_fixture.hpp"

namespace crawl::supervisor::coordinator_tests {
namespace {

// ---- robots.txt -----------------------------------------------------------------------------

class CoordinatorRobotsTest : public CoordinatorTest {
protected:
    CoordinatorRobotsTest() { opts.robots = true; }
};

TEST_F(CoordinatorRobotsTest, UrlsWaitForRobotsThenAllowedGoAndDisallowedGetARecord)
{
    start();
    lines({"http://a.test/public", "http://a.test/private/x", "http://b.test/"});
    auto robots_jobs = pool.take_sent();
    ASSERT_EQ(names(robots_jobs),
              (std::vector<std::string>{"send 0 robots http://a.test:80", "send 0 robots http://b.test:80"}))
        << "no page is sent before its origin's robots.txt is in";
    const auto& robots_target = robots_jobs[0].job.target;
    EXPECT_EQ(robots_target.scheme + " " + robots_target.host + " " + std::to_string(robots_target.port),
              "http a.test 80")
        << "a robots job carries its origin, parsed";
    EXPECT_EQ(c->waiting(), 3u);
    answer_robots(robots_jobs[0], wire::robots_verdict::rules, {{false, "/private"}});
    EXPECT_EQ(names(pool.take_sent()), std::vector<std::string>{"send 0 #1"});
    auto written = records();
    ASSERT_EQ(written.size(), 1u);
    EXPECT_EQ(error_of(written.at(2)), "robots_disallowed");
    EXPECT_EQ(std::string(written.at(2).at("error").at("message").as_string()),
              "disallowed by robots.txt: Disallow: /private");
    lines({"http://a.test/private/y", "http://a.test/other"});
    EXPECT_EQ(names(pool.take_sent()), std::vector<std::string>{"send 0 #5"}) << "the answer is kept";
    EXPECT_EQ(records().size(), 1u);
    EXPECT_EQ(c->stats().robots_fetched, 1u);
}

TEST_F(CoordinatorRobotsTest, UnreachableRobotsTxtDisallowsTheOrigin)
{
    opts.retries = 0; // a 503 would be tried again first
    start();
    lines({"http://a.test/1", "http://a.test/2"});
    answer_robots(pool.take_sent().at(0), wire::robots_verdict::disallow_all, {}, wire::no_millis, 503);
    EXPECT_TRUE(pool.take_sent().empty());
    auto written = records();
    ASSERT_EQ(written.size(), 2u);
    EXPECT_EQ(error_of(written.at(1)), "robots_disallowed");
    EXPECT_EQ(std::string(written.at(2).at("error").at("message").as_string()),
              "robots.txt unreachable (HTTP 503): nothing may be fetched there");
}

TEST_F(CoordinatorRobotsTest, MissingRobotsTxtAllowsEverything)
{
    start();
    lines({"http://a.test/1", "http://a.test/2"});
    answer_robots(pool.take_sent().at(0), wire::robots_verdict::allow_all, {}, wire::no_millis, 404);
    EXPECT_EQ(names(pool.take_sent()), (std::vector<std::string>{"send 0 #1", "send 0 #2"}));
}

TEST_F(CoordinatorRobotsTest, CrawlDelayPacesTheOriginUpToMaxDelay)
{
    opts.max_delay = 2000ms;
    start();
    lines({"http://a.test/1", "http://a.test/2"});
    answer_robots(pool.take_sent().at(0), wire::robots_verdict::rules, {}, 5000);
    const auto first = pool.take_sent();
    EXPECT_EQ(names(first), std::vector<std::string>{"send 0 #1"});
    const auto written = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch());
    c->request_sent(0, wire::sent{first.at(0).job.seq, written.count()}); // the worker wrote it at once
    EXPECT_EQ(c->next_wakeup(), now + 2000ms) << "Crawl-delay 5 s, capped by --max-delay";
    advance(1999ms);
    EXPECT_TRUE(pool.take_sent().empty());
    advance(1ms);
    EXPECT_EQ(names(pool.take_sent()), std::vector<std::string>{"send 0 #2"});
}

TEST_F(CoordinatorRobotsTest, FailedRobotsFetchIsRetriedLikeAPage)
{
    start();
    lines({"http://a.test/1"});
    answer_robots(pool.take_sent().at(0), wire::robots_verdict::disallow_all, {}, wire::no_millis, 0,
                  error_class::connect);
    EXPECT_TRUE(records().empty());
    now = *c->next_wakeup();
    c->tick();
    auto again = pool.take_sent();
    ASSERT_EQ(names(again), std::vector<std::string>{"send 0 robots http://a.test:80"});
    answer_robots(again[0], wire::robots_verdict::allow_all, {}, wire::no_millis, 404);
    EXPECT_EQ(names(pool.take_sent()), std::vector<std::string>{"send 0 #1"});
}

TEST_F(CoordinatorRobotsTest, TheUrlsOfAHostThatIsDownCarryTheCauseNotARefusal)
{
    opts.retries = 0;
    start();
    lines({"http://a.test/1", "http://b.test/2", "http://c.test/3", "http://d.test/4"});
    auto robots_jobs = pool.take_sent();
    ASSERT_EQ(robots_jobs.size(), 4u);
    answer_robots(robots_jobs[0], wire::robots_verdict::disallow_all, {}, wire::no_millis, 0, error_class::connect);
    answer_robots(robots_jobs[1], wire::robots_verdict::disallow_all, {}, wire::no_millis, 0, error_class::dns);
    answer_robots(robots_jobs[2], wire::robots_verdict::disallow_all, {}, wire::no_millis, 0, error_class::timeout);
    answer_robots(robots_jobs[3], wire::robots_verdict::disallow_all, {}, wire::no_millis, 0, error_class::protocol);
    EXPECT_TRUE(pool.take_sent().empty()) << "RFC 9309: nothing is fetched from an unreachable origin";
    auto written = records();
    ASSERT_EQ(written.size(), 4u);
    EXPECT_EQ(error_of(written.at(1)), "connect");
    EXPECT_EQ(error_of(written.at(2)), "dns");
    EXPECT_EQ(error_of(written.at(3)), "timeout");
    EXPECT_EQ(error_of(written.at(4)), "robots_disallowed") << "a server that answers garbage refuses";
    EXPECT_EQ(std::string(written.at(1).at("error").at("message").as_string()),
              "robots.txt unreachable (connect failed): nothing may be fetched there");
}

TEST_F(CoordinatorRobotsTest, EvictedAnswerIsFetchedAgain)
{
    opts.robots_cache = 1; // room for the newest answer only
    start();
    lines({"http://a.test/1"});
    answer_robots(pool.take_sent().at(0), wire::robots_verdict::rules, {{false, "/x"}});
    pool.take();
    lines({"http://b.test/2"});
    answer_robots(pool.take_sent().at(0), wire::robots_verdict::allow_all);
    pool.take();
    EXPECT_EQ(c->final_stats().robots_evicted, 1u) << "a.test's answer made way for b.test's";
    lines({"http://b.test/3", "http://a.test/4"});
    EXPECT_EQ(names(pool.take_sent()),
              (std::vector<std::string>{"send 0 #3", "send 0 robots http://a.test:80"}));
    EXPECT_EQ(c->stats().robots_fetched, 2u);
}

TEST_F(CoordinatorRobotsTest, IgnoreRobotsSendsPagesAtOnce)
{
    opts.robots = false;
    start();
    lines({"http://a.test/1"});
    EXPECT_EQ(names(pool.take_sent()), std::vector<std::string>{"send 0 #1"});
}

} // namespace
} // namespace crawl::supervisor::coordinator_tests
