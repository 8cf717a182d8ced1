// The coordinator when workers die or misbehave, with a fake worker pool and a fake clock: a
// dead worker's URLs go to another, a URL that kills two workers gets worker_crash, workers
// that keep dying end the run, a worker that breaks the protocol is killed, a worker that
// cannot write its WARC files stops the run.

#include "coordinator_fixture.hpp"

namespace crawl::supervisor::coordinator_tests {
namespace {

// ---- workers that die -------------------------------------------------------------------------

TEST_F(CoordinatorTest, AWorkerKilledMidUrlHandsItsUrlsToAnotherWorker)
{
    opts.workers = 2;
    start();
    lines({"http://a.test/1", "http://b.test/2", "http://c.test/3"});
    auto sent = pool.take_sent();
    ASSERT_EQ(names(sent), (std::vector<std::string>{"send 0 #1", "send 1 #2", "send 0 #3"}));
    c->worker_exited(0, killed(100));
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0], "crawl: worker 0 (pid 100) killed by signal 9 (SIGKILL); re-dispatching its 2 URLs");
    // Its URLs are suspects now: each runs alone on a worker kept free for it.
    auto after = pool.take();
    EXPECT_EQ(names(after), std::vector<std::string>{"replace 0"});
    answer(sent[1], 200);
    auto retried = pool.take_sent();
    ASSERT_EQ(retried.size(), 1u) << "worker 1 drained: the first suspect runs alone on it";
    EXPECT_EQ(retried[0].worker, 1u);
    answer(retried[0], 200);
    c->worker_ready(0);
    auto rest = pool.take_sent();
    ASSERT_EQ(rest.size(), 1u);
    answer(rest[0], 200);
    auto written = records();
    EXPECT_EQ(written.size(), 3u);
    for (const auto& [seq, r] : written) {
        EXPECT_EQ(error_of(r), "none") << seq;
    }
    EXPECT_EQ(c->stats().worker_restarts, 1u);
}

TEST_F(CoordinatorTest, TheSameUrlKillingTwoWorkersGetsWorkerCrash)
{
    opts.workers = 2;
    start();
    lines({"http://a.test/bomb", "http://b.test/fine"});
    auto sent = pool.take_sent();
    c->worker_exited(0, killed(100)); // held #1 and... only #1 (b.test went to worker 1)
    pool.take();
    answer(sent.at(1), 200);
    auto alone = pool.take_sent();
    ASSERT_EQ(alone.size(), 1u);
    EXPECT_EQ(alone[0].job.seq, 1u);
    c->worker_exited(alone[0].worker, killed(101));
    auto written = records();
    ASSERT_EQ(written.size(), 2u);
    EXPECT_EQ(error_of(written.at(1)), "worker_crash");
    EXPECT_TRUE(written.at(1).at("worker").is_null()) << "the coordinator answered it";
    EXPECT_EQ(error_of(written.at(2)), "none");
}

TEST_F(CoordinatorTest, AnInnocentBystanderIsNotBlamed)
{
    opts.workers = 1;
    start();
    lines({"http://a.test/bomb", "http://b.test/fine"});
    pool.take();
    c->worker_exited(0, killed(100)); // both were in flight: both become suspects
    c->worker_ready(0);
    auto first = pool.take_sent();
    ASSERT_EQ(first.size(), 1u) << "suspects run one at a time";
    if (first[0].job.seq == 1) {
        c->worker_exited(0, killed(101));
        c->worker_ready(0);
        auto second = pool.take_sent();
        ASSERT_EQ(second.size(), 1u);
        answer(second[0], 200);
    } else {
        answer(first[0], 200);
        auto second = pool.take_sent();
        ASSERT_EQ(second.size(), 1u);
        c->worker_exited(0, killed(101));
    }
    auto written = records();
    ASSERT_EQ(written.size(), 2u);
    EXPECT_EQ(error_of(written.at(1)), "worker_crash");
    EXPECT_EQ(error_of(written.at(2)), "none");
}

TEST_F(CoordinatorTest, WorkersThatKeepDyingEndTheRun)
{
    opts.workers = 1;
    start(false);
    // 3 x workers + 3 deaths in a row without a record are tolerated; the next one is not.
    for (int pid = 100; pid < 106; ++pid) {
        c->worker_exited(0, killed(pid));
        EXPECT_EQ(names(pool.take()), std::vector<std::string>{"replace 0"});
    }
    c->worker_exited(0, killed(106));
    EXPECT_EQ(warnings.back(), "crawl: error: workers keep dying without finishing any URL; giving up");
    EXPECT_EQ(names(pool.take()), std::vector<std::string>{"shut_down 0"}) << "and it is not replaced";
    EXPECT_TRUE(c->done());
    EXPECT_EQ(c->exit_status(), exit_some_failed);
}

TEST_F(CoordinatorTest, AWorkerThatCannotBeReplacedStopsTheRun)
{
    opts.workers = 2;
    start();
    lines({"http://a.test/1"});
    pool.take();
    pool.fork_fails = true;
    c->worker_exited(0, killed(100));
    EXPECT_EQ(names(pool.take()), (std::vector<std::string>{"replace 0", "shut_down 1"}));
    c->worker_exited(1, exited_cleanly(101));
    EXPECT_TRUE(c->done());
    EXPECT_EQ(c->exit_status(), exit_some_failed);
}

TEST_F(CoordinatorTest, AResultForAJobTheWorkerDoesNotHoldGetsItKilled)
{
    opts.workers = 2;
    start();
    lines({"http://a.test/1"});
    auto sent = pool.take_sent();
    pool_call stranger = sent.at(0);
    stranger.worker = 1;
    answer(stranger, 200);
    EXPECT_EQ(names(pool.take()), std::vector<std::string>{"kill 1"});
    EXPECT_EQ(warnings.at(0), "crawl: worker 1 broke the frame protocol (a result for a job it does not hold); "
                              "replacing it");
    EXPECT_TRUE(records().empty());
    answer(sent[0], 200);
    EXPECT_EQ(records().size(), 1u) << "the worker that holds the job still answers it";
    c->worker_exited(1, killed(101));
    EXPECT_EQ(names(pool.take()), std::vector<std::string>{"replace 1"});
}

// ---- a worker that cannot go on -----------------------------------------------------------------

TEST_F(CoordinatorTest, AWorkerThatCannotWriteItsArchiveStopsTheRunWithItsOwnStatus)
{
    opts.workers = 2;
    start();
    lines({"http://a.test/1", "http://b.test/2", "http://c.test/3"});
    auto sent = pool.take_sent();
    ASSERT_EQ(sent.size(), 3u);
    const unsigned failing = sent[0].worker;
    const unsigned other = 1 - failing;
    c->worker_failed(failing, {wire::failure_cause::archive, "writing out-0-00000.warc.gz: No space left on device"});
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0], "crawl: error: worker " + std::to_string(failing) +
                               ": writing out-0-00000.warc.gz: No space left on device; stopping");
    EXPECT_EQ(names(pool.take()), (std::vector<std::string>{"shut_down 0", "shut_down 1"}));
    EXPECT_FALSE(c->wants_input());
    // The other worker's finished page is recorded; the failing worker sends nothing more.
    for (const auto& job : sent) {
        if (job.worker == other) {
            answer(job, 200);
            break;
        }
    }
    EXPECT_EQ(records().size(), 1u);
    // A full disk fails every worker in turn: said once.
    c->worker_failed(other, {wire::failure_cause::archive, "writing out-1-00000.warc.gz: No space left on device"});
    EXPECT_EQ(warnings.size(), 1u);
    c->worker_exited(failing, exited_cleanly(100));
    c->worker_exited(other, exited_cleanly(101));
    EXPECT_TRUE(pool.take().empty()) << "no worker is replaced, nothing is sent again";
    EXPECT_TRUE(c->done());
    EXPECT_EQ(c->exit_status(), exit_archive_failed);
    EXPECT_NE(c->exit_status(), exit_some_failed);
}

} // namespace
} // namespace crawl::supervisor::coordinator_tests
