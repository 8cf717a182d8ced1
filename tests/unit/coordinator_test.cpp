// The coordinator's decisions, driven event by event with a fake worker pool and a fake clock
// (coordinator_fixture.hpp): dispatch and the end of a run, retries and host pauses, hosts
// given up, stopping (signals, --max-time, a broken output), --resume and --dedup.

#include "coordinator_fixture.hpp"

#include <cerrno>
#include <csignal>

namespace crawl::supervisor::coordinator_tests {
namespace {

// ---- dispatch, records, the end of the run ------------------------------------------------

TEST_F(CoordinatorTest, NoJobBeforeHelloThenRecordsAndFinish)
{
    start(false);
    lines({"http://a.test/1", "  ", "# comment", "not a url", "ftp://a.test/x"});
    EXPECT_TRUE(pool.take_sent().empty()) << "a worker takes jobs once it has said hello";
    auto own = records();
    ASSERT_EQ(own.size(), 2u);
    EXPECT_EQ(error_of(own.at(4)), "invalid_url");
    EXPECT_EQ(error_of(own.at(5)), "unsupported_scheme");

    c->worker_ready(0);
    auto sent = pool.take_sent();
    ASSERT_EQ(names(sent), std::vector<std::string>{"send 0 #1"});
    EXPECT_EQ(sent[0].job.host_key, "a.test:80");
    c->input_ended();
    EXPECT_TRUE(pool.take().empty()) << "URL 1 is still in flight";
    answer(sent[0], 200);
    EXPECT_EQ(names(pool.take()), std::vector<std::string>{"finish 0"});
    EXPECT_EQ(records().size(), 1u);
    EXPECT_FALSE(c->done());
    c->worker_exited(0, exited_cleanly(100));
    EXPECT_TRUE(c->done());
    EXPECT_EQ(c->exit_status(), exit_some_failed) << "two lines failed";
    EXPECT_TRUE(warnings.empty());
}

TEST_F(CoordinatorTest, AllOkExitsZeroAndAWorkerDirtyOnItsWayOutIsReported)
{
    opts.workers = 2;
    start();
    lines({"http://a.test/1"});
    c->input_ended();
    auto sent = pool.take_sent();
    answer(sent.at(0), 204);
    EXPECT_EQ(names(pool.take()), (std::vector<std::string>{"finish 0", "finish 1"}));
    c->worker_exited(0, exited_cleanly(100));
    c->worker_exited(1, {101, "exited with status 1", false, 0, 0, 0});
    EXPECT_TRUE(c->done());
    EXPECT_EQ(c->exit_status(), exit_ok);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0], "crawl: worker 1 (pid 101) exited with status 1 after its last record");
}

TEST_F(CoordinatorTest, InputWindowBoundsWhatWaits)
{
    opts.per_host = 0;
    start(false); // no worker ready: everything waits
    std::size_t taken = 0;
    while (c->wants_input()) {
        ++line_number;
        c->take_line(line_number, "http://a.test/" + std::to_string(line_number), false);
        ++taken;
    }
    EXPECT_EQ(taken, 1024u) << "max(1024, 4 x workers x credits) URLs wait at most";
    EXPECT_EQ(c->waiting(), 1024u);
    c->worker_ready(0);
    EXPECT_EQ(pool.take_sent().size(), 8u) << "credits: concurrency 4 + max(4, 4/4)";
    EXPECT_TRUE(c->wants_input());
}

TEST_F(CoordinatorTest, PerHostLimitHoldsAcrossWorkers)
{
    opts.workers = 3;
    opts.per_host = 2;
    start();
    lines({"http://a.test/1", "http://a.test/2", "http://a.test/3", "http://b.test/4"});
    auto sent = pool.take_sent();
    ASSERT_EQ(names(sent), (std::vector<std::string>{"send 0 #1", "send 1 #2", "send 2 #4"}));
    answer(sent[1], 200);
    EXPECT_EQ(names(pool.take_sent()), std::vector<std::string>{"send 1 #3"}) << "a slot of a.test came free";
}

// ---- retries, Retry-After, host pauses ----------------------------------------------------

TEST_F(CoordinatorTest, RetryThenRecord)
{
    start();
    lines({"http://a.test/1"});
    auto first = pool.take_sent();
    answer(first.at(0), 0, error_class::connect);
    EXPECT_TRUE(records().empty()) << "a transient failure with retries left has no record yet";
    EXPECT_TRUE(pool.take_sent().empty()) << "the retry waits for its backoff";
    const auto wake = c->next_wakeup();
    ASSERT_TRUE(wake);
    // Equal jitter: the first backoff is drawn from [base/2, base].
    EXPECT_GE(*wake - now, 500ms);
    EXPECT_LE(*wake - now, 1000ms);
    now = *wake - 1ms;
    c->tick();
    EXPECT_TRUE(pool.take_sent().empty());
    advance(1ms);
    auto second = pool.take_sent();
    ASSERT_EQ(second.size(), 1u);
    EXPECT_EQ(second[0].job.seq, 1u);
    EXPECT_EQ(second[0].job.attempt, 2u);
    answer(second[0], 200);
    auto written = records();
    ASSERT_EQ(written.size(), 1u);
    EXPECT_EQ(written.at(1).at("attempts").as_int64(), 2);
    EXPECT_EQ(c->stats().retries, 1u);
}

TEST_F(CoordinatorTest, RetriesRunOutThenTheFailureIsTheRecord)
{
    start();
    lines({"http://a.test/1"});
    for (unsigned attempt = 1; attempt <= 3; ++attempt) {
        auto sent = pool.take_sent();
        ASSERT_EQ(sent.size(), 1u) << "attempt " << attempt;
        EXPECT_EQ(sent[0].job.attempt, attempt);
        answer(sent[0], 500, error_class::http_status);
        if (auto wake = c->next_wakeup()) {
            now = *wake;
            c->tick();
        }
    }
    auto written = records();
    ASSERT_EQ(written.size(), 1u);
    EXPECT_EQ(error_of(written.at(1)), "http_status");
    EXPECT_EQ(c->stats().retries, 2u);
}

TEST_F(CoordinatorTest, NotRetryableIsFinalAtOnce)
{
    start();
    lines({"http://a.test/1", "http://a.test/2"});
    auto sent = pool.take_sent();
    answer(sent.at(0), 404, error_class::http_status);
    answer(sent.at(1), 0, error_class::tls);
    EXPECT_EQ(records().size(), 2u);
    EXPECT_EQ(c->stats().retries, 0u);
}

TEST_F(CoordinatorTest, RetryAfterSetsTheWaitAndHoldsTheWholeHost)
{
    opts.workers = 2;
    start();
    lines({"http://a.test/1", "http://a.test/2", "http://b.test/3"});
    auto sent = pool.take_sent();
    ASSERT_EQ(sent.size(), 3u);
    answer(sent[0], 503, error_class::http_status, 3000);
    answer(sent[1], 200); // a.test's other URL was already running: it finishes
    lines({"http://a.test/4", "http://b.test/5"});
    EXPECT_EQ(names(pool.take_sent()), std::vector<std::string>{"send 1 #5"})
        << "b.test goes on; a.test is held for its Retry-After";
    EXPECT_EQ(c->next_wakeup(), now + 3000ms);
    advance(2999ms);
    EXPECT_TRUE(pool.take_sent().empty());
    advance(1ms);
    auto resumed = pool.take_sent();
    ASSERT_EQ(resumed.size(), 2u);
    EXPECT_EQ(resumed[0].job.seq, 1u) << "the retry goes first";
    EXPECT_EQ(resumed[0].job.attempt, 2u);
    EXPECT_EQ(resumed[1].job.seq, 4u);
}

TEST_F(CoordinatorTest, RetryAfterBeyondMaxRetryWaitEndsTheRetries)
{
    start();
    lines({"http://a.test/1"});
    answer(pool.take_sent().at(0), 429, error_class::http_status, 60'000);
    auto written = records();
    ASSERT_EQ(written.size(), 1u) << "waiting longer than --max-retry-wait is not allowed";
    EXPECT_EQ(error_of(written.at(1)), "http_status");
    EXPECT_EQ(c->next_wakeup(), now + 10s) << "the host is still held, up to --max-retry-wait";
}

TEST_F(CoordinatorTest, TheSameSeedGivesTheSameBackoffs)
{
    const auto backoffs = [this] {
        pool.take();
        line_number = 0;
        start();
        std::vector<clock::duration> waits;
        for (int i = 0; i < 5; ++i) {
            lines({"http://h" + std::to_string(i) + ".test/"});
            answer(pool.take_sent().at(0), 0, error_class::timeout);
            waits.push_back(*c->next_wakeup() - now);
            now += 1h;
            c->tick();
            pool.take();
        }
        return waits;
    };
    const auto first = backoffs();
    EXPECT_EQ(first, backoffs());
}

// ---- hosts given up -------------------------------------------------------------------------

TEST_F(CoordinatorTest, HostErrorsGiveUpTheHostForTheRestOfTheRun)
{
    opts.host_errors = 2;
    opts.retries = 0;
    opts.per_host = 1;
    start();
    lines({"http://a.test/1", "http://a.test/2", "http://a.test/3", "http://b.test/4"});
    auto sent = pool.take_sent();
    ASSERT_EQ(names(sent), (std::vector<std::string>{"send 0 #1", "send 0 #4"}));
    answer(sent[0], 0, error_class::connect);
    auto second = pool.take_sent();
    ASSERT_EQ(names(second), std::vector<std::string>{"send 0 #2"});
    answer(second[0], 0, error_class::timeout);
    EXPECT_TRUE(pool.take_sent().empty());
    lines({"http://a.test/5"});
    auto written = records();
    ASSERT_EQ(written.size(), 4u);
    EXPECT_EQ(error_of(written.at(3)), "host_unreachable") << "queued when the host was given up";
    EXPECT_EQ(error_of(written.at(5)), "host_unreachable") << "read after the host was given up";
    EXPECT_EQ(c->final_stats().hosts_unreachable, 1u);
}

// ---- stopping: signals, --max-time, a broken output --------------------------------------------

TEST_F(CoordinatorTest, SigintDrainsFinishedRecordsAndExits130)
{
    opts.workers = 2;
    start();
    lines({"http://a.test/1", "http://b.test/2", "http://c.test/3"});
    auto sent = pool.take_sent();
    EXPECT_EQ(c->interrupted(SIGINT), coordinator::signal_action::stop);
    EXPECT_EQ(names(pool.take()), (std::vector<std::string>{"shut_down 0", "shut_down 1"}));
    EXPECT_FALSE(c->wants_input());
    answer(sent.at(0), 200); // finished before the worker saw the shutdown: it is written
    answer(sent.at(1), 0, error_class::timeout); // not retried while stopping: final
    lines({"http://d.test/4"});
    c->tick();
    EXPECT_TRUE(pool.take_sent().empty()) << "nothing is dispatched while stopping";
    c->worker_exited(0, exited_cleanly(100));
    EXPECT_FALSE(c->done());
    c->worker_exited(1, exited_cleanly(101));
    EXPECT_TRUE(c->done());
    EXPECT_EQ(records().size(), 2u);
    EXPECT_EQ(c->exit_status(), 128 + SIGINT);
    EXPECT_EQ(c->final_stats().interrupted_by, SIGINT);
    EXPECT_EQ(c->interrupted(SIGINT), coordinator::signal_action::exit_now) << "a second signal leaves at once";
}

TEST_F(CoordinatorTest, MaxTimeDrainsThenExits3)
{
    opts.workers = 1;
    start();
    lines({"http://a.test/1", "http://a.test/2", "http://b.test/3"});
    auto sent = pool.take_sent();
    ASSERT_EQ(sent.size(), 3u);
    c->out_of_time();
    EXPECT_EQ(names(pool.take()), std::vector<std::string>{"drain 0"});
    EXPECT_FALSE(c->wants_input());
    answer(sent[0], 200);
    answer(sent[1], 503, error_class::http_status); // would be retried: left for a resume
    answer(sent[2], 404, error_class::http_status); // final: recorded
    auto written = records();
    EXPECT_EQ(written.size(), 2u);
    EXPECT_FALSE(written.contains(2));
    c->worker_exited(0, exited_cleanly(100));
    EXPECT_TRUE(c->done());
    EXPECT_TRUE(c->final_stats().out_of_time);
    EXPECT_EQ(c->exit_status(), exit_out_of_time);
}

TEST_F(CoordinatorTest, MaxTimeAfterTheLastRecordChangesNothing)
{
    start();
    lines({"http://a.test/1"});
    c->input_ended();
    answer(pool.take_sent().at(0), 200);
    EXPECT_EQ(names(pool.take()), std::vector<std::string>{"finish 0"});
    c->out_of_time();
    EXPECT_TRUE(pool.take().empty());
    c->worker_exited(0, exited_cleanly(100));
    EXPECT_EQ(c->exit_status(), exit_ok);
}

TEST_F(CoordinatorTest, ABrokenOutputStopsTheRunQuietlyOnEpipe)
{
    start();
    lines({"http://a.test/1"});
    auto sent = pool.take_sent();
    c->output_failed(EPIPE);
    EXPECT_EQ(names(pool.take()), std::vector<std::string>{"shut_down 0"});
    answer(sent.at(0), 200);
    EXPECT_TRUE(c->output().empty()) << "nothing more is written to a broken output";
    c->worker_exited(0, exited_cleanly(100));
    EXPECT_EQ(c->exit_status(), 128 + SIGPIPE);
    EXPECT_TRUE(warnings.empty());
    c->output_failed(ENOSPC);
    EXPECT_TRUE(warnings.empty()) << "said once at most";
}

TEST_F(CoordinatorTest, ADiskFullIsSaid)
{
    start();
    c->output_failed(ENOSPC);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0], "crawl: error: writing output: No space left on device");
}

// ---- --resume and --dedup -------------------------------------------------------------------------

TEST_F(CoordinatorTest, ResumeSkipsLinesAnEarlierRunRecorded)
{
    done.insert(1);
    done.insert(3);
    start();
    lines({"http://a.test/1", "http://a.test/2", "not a url", "http://a.test/4"});
    EXPECT_EQ(names(pool.take_sent()), (std::vector<std::string>{"send 0 #2", "send 0 #4"}));
    EXPECT_TRUE(records().empty()) << "line 3 was recorded (invalid) last time";
    EXPECT_EQ(c->stats().resumed_lines, 2u);
}

TEST_F(CoordinatorTest, DedupFetchesEachNormalizedUrlOnce)
{
    opts.dedup = true;
    start();
    lines({"http://A.test:80/x", "http://a.test/x#frag", "http://a.test/y", "http://a.test/./x"});
    EXPECT_EQ(names(pool.take_sent()), (std::vector<std::string>{"send 0 #1", "send 0 #3"}));
    auto written = records();
    ASSERT_EQ(written.size(), 2u);
    EXPECT_EQ(written.at(2).at("duplicate_of").as_int64(), 1);
    EXPECT_EQ(written.at(4).at("duplicate_of").as_int64(), 1);
    EXPECT_EQ(c->stats().duplicates, 2u);
}

TEST_F(CoordinatorTest, DedupWithResumeStillPointsAtTheRecordedLine)
{
    opts.dedup = true;
    done.insert(1);
    start();
    lines({"http://a.test/x", "http://a.test/x"});
    EXPECT_TRUE(pool.take_sent().empty());
    auto written = records();
    ASSERT_EQ(written.size(), 1u);
    EXPECT_EQ(written.at(2).at("duplicate_of").as_int64(), 1);
}

TEST_F(CoordinatorTest, CsvOutputStartsWithItsHeaderUnlessItGoesOnAnother)
{
    opts.worker.format = record::format::csv;
    start();
    EXPECT_EQ(c->output().rfind("seq,url,", 0), 0u);
    coordinator::environment env;
    env.now = [this] { return now; };
    env.warn = [](std::string_view) {};
    env.output_is_new = false;
    coordinator resumed(opts, pool, std::move(env));
    EXPECT_TRUE(resumed.output().empty());
}

} // namespace
} // namespace crawl::supervisor::coordinator_tests
