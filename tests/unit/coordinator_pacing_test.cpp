// Pacing from the actual send, with a fake worker pool and a fake clock: a paced host's next
// request starts --delay after the previous one was written (as the worker reports it), not
// after it was dispatched; a paced job's redirect hop waits for its turn; a job that ends or
// dies without reporting frees its host conservatively.

#include "coordinator_fixture.hpp"

namespace crawl::supervisor::coordinator_tests {
namespace {

class CoordinatorPacingTest : public CoordinatorTest {
protected:
    CoordinatorPacingTest()
    {
        opts.workers = 2;
        opts.delay = 100ms;
    }

    /// The worker's report that `job`'s current request was written at `at`.
    void sent(const pool_call& job, clock::time_point at)
    {
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch());
        c->request_sent(job.worker, wire::sent{job.job.seq, ns.count()});
    }

    /// `job` was redirected: its next hop asks for a turn at `host_port`.
    void turn(const pool_call& job, std::string host_port)
    {
        c->turn_asked(job.worker, wire::turn{job.job.seq, "http", std::move(host_port)});
    }
};

TEST_F(CoordinatorPacingTest, TheNextRequestStartsADelayAfterTheSendNotTheDispatch)
{
    start();
    lines({"http://a.test/1", "http://a.test/2"});
    auto first = pool.take_sent();
    ASSERT_EQ(names(first), std::vector<std::string>{"send 0 #1"});
    EXPECT_EQ(pacing_bits(first[0].job), wire::report_sends | wire::ask_turns) << "its sends are reported";
    // The worker is slow to write it (a busy event loop, a slow connect): the delay has passed
    // since the dispatch, but the host is not free before the send is known.
    advance(300ms);
    EXPECT_TRUE(pool.take_sent().empty()) << "nothing starts while a paced request is unconfirmed";
    sent(first[0], now - 20ms);
    EXPECT_TRUE(pool.take_sent().empty());
    EXPECT_EQ(c->next_wakeup(), now + 80ms) << "100 ms after the send";
    advance(79ms);
    EXPECT_TRUE(pool.take_sent().empty());
    advance(1ms);
    EXPECT_EQ(names(pool.take_sent()), std::vector<std::string>{"send 1 #2"});
}

TEST_F(CoordinatorPacingTest, ARedirectHopWaitsForItsTurnBeforeTheHostsQueue)
{
    start();
    lines({"http://a.test/1", "http://a.test/2"});
    auto first = pool.take_sent();
    ASSERT_EQ(first.size(), 1u);
    sent(first[0], now);
    // The answer is a redirect within a.test: the hop asks before it writes.
    turn(first[0], "a.test:80");
    EXPECT_TRUE(pool.take().empty()) << "no go before the delay";
    advance(100ms);
    EXPECT_EQ(names(pool.take()), std::vector<std::string>{"go 0 #1 paced"}) << "the turn goes before URL 2";
    advance(150ms);
    EXPECT_TRUE(pool.take().empty()) << "URL 2 waits for the hop's send";
    sent(first[0], now);
    advance(99ms);
    EXPECT_TRUE(pool.take().empty());
    advance(1ms);
    EXPECT_EQ(names(pool.take_sent()), std::vector<std::string>{"send 1 #2"});
    answer(first[0], 200);
    EXPECT_EQ(records().size(), 1u);
}

TEST_F(CoordinatorPacingTest, ATurnToAHostThatIsNotPacedIsGrantedAtOnce)
{
    opts.delay = 0ms;
    opts.robots = true;
    start();
    lines({"http://a.test/1"});
    answer_robots(pool.take_sent().at(0), wire::robots_verdict::rules, {}, 500); // Crawl-delay 0.5 s
    auto page = pool.take_sent();
    ASSERT_EQ(page.size(), 1u);
    EXPECT_EQ(pacing_bits(page[0].job), wire::report_sends | wire::ask_turns);
    sent(page[0], now);
    turn(page[0], "b.test:80"); // no Crawl-delay known there, no --delay
    EXPECT_EQ(names(pool.take()), std::vector<std::string>{"go 0 #1"}) << "granted, sends not reported";
}

TEST_F(CoordinatorPacingTest, WithoutPacingNothingIsReportedOrAsked)
{
    opts.delay = 0ms;
    start();
    lines({"http://a.test/1", "http://a.test/2"});
    const auto jobs = pool.take_sent();
    ASSERT_EQ(jobs.size(), 2u);
    EXPECT_EQ(pacing_bits(jobs[0].job), 0);
    EXPECT_EQ(pacing_bits(jobs[1].job), 0);
    // A worker that reports a send it was not asked to is broken.
    sent(jobs[0], now);
    EXPECT_EQ(names(pool.take()), std::vector<std::string>{"kill 0"});
}

TEST_F(CoordinatorPacingTest, AJobThatEndsWithoutASendFreesItsHostADelayLater)
{
    start();
    lines({"http://a.test/1", "http://a.test/2"});
    auto first = pool.take_sent();
    ASSERT_EQ(first.size(), 1u);
    advance(50ms);
    answer(first[0], 0, error_class::connect); // nothing was written
    EXPECT_TRUE(pool.take_sent().empty());
    EXPECT_EQ(c->next_wakeup(), now + 100ms);
    advance(100ms);
    EXPECT_EQ(names(pool.take_sent()).size(), 1u);
}

TEST_F(CoordinatorPacingTest, AWorkerThatDiesWithATurnPendingLeavesTheHostUsable)
{
    start();
    lines({"http://a.test/1", "http://b.test/1", "http://b.test/2"});
    auto jobs = pool.take_sent();
    ASSERT_EQ(names(jobs), (std::vector<std::string>{"send 0 #1", "send 1 #2"}));
    sent(jobs[0], now);
    sent(jobs[1], now);
    turn(jobs[0], "b.test:80"); // a.test/1 redirects to b.test, paced: it waits
    EXPECT_TRUE(pool.take().empty());
    c->worker_exited(0, killed(100));
    c->worker_ready(0); // its replacement
    EXPECT_EQ(names(pool.take()), std::vector<std::string>{"replace 0"});
    advance(100ms);
    // Had the dead job's turn stayed (or been granted to nobody), b.test would wait for good.
    EXPECT_EQ(names(pool.take()), std::vector<std::string>{"send 0 #3"});
}

} // namespace
} // namespace crawl::supervisor::coordinator_tests
