// The coordinator's decisions, driven event by event with a fake worker pool and a fake clock:
// no process, no pipe, no timer. Each test scripts what the workers and the world do and
// checks what the coordinator asks of the pool and which records it writes.

#include "supervisor/coordinator.hpp"

#include "crawl/record/record.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <map>

namespace crawl::supervisor {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

/// What the coordinator asked of the pool, in order.
struct pool_call {
    std::string what; ///< send, finish, drain, shut_down, kill, replace
    unsigned worker = 0;
    pending_url job;  ///< for send
};

class fake_pool final : public worker_pool {
public:
    void send(unsigned worker, const pending_url& job) override { calls.push_back({"send", worker, job}); }
    void finish(unsigned worker) override { calls.push_back({"finish", worker, {}}); }
    void drain(unsigned worker) override { calls.push_back({"drain", worker, {}}); }
    void shut_down(unsigned worker) override { calls.push_back({"shut_down", worker, {}}); }
    void kill(unsigned worker) override { calls.push_back({"kill", worker, {}}); }
    std::error_code replace(unsigned worker) override
    {
        calls.push_back({"replace", worker, {}});
        return fork_fails ? std::make_error_code(std::errc::resource_unavailable_try_again) : std::error_code{};
    }

    /// The calls since the last take(), then forgets them.
    std::vector<pool_call> take() { return std::exchange(calls, {}); }
    /// The jobs sent since the last take(), then forgets every call.
    std::vector<pool_call> take_sent()
    {
        std::vector<pool_call> sent;
        for (auto& c : take()) {
            if (c.what == "send") {
                sent.push_back(std::move(c));
            }
        }
        return sent;
    }

    std::vector<pool_call> calls;
    bool fork_fails = false;
};

/// The names of the calls, for compact assertions: "finish 0", "shut_down 1", "send 0 #3".
std::vector<std::string> names(const std::vector<pool_call>& calls)
{
    std::vector<std::string> out;
    for (const auto& c : calls) {
        std::string s = c.what + " " + std::to_string(c.worker);
        if (c.what == "send") {
            s += c.job.kind == job_kind::robots ? " robots " + c.job.origin : " #" + std::to_string(c.job.seq);
        }
        out.push_back(std::move(s));
    }
    return out;
}

worker_exit killed(int pid)
{
    return {pid, "killed by signal 9 (SIGKILL)", false, 0, 0, 0};
}

worker_exit exited_cleanly(int pid)
{
    return {pid, "exited with status 0", true, 0, 0, 0};
}

class CoordinatorTest : public ::testing::Test {
protected:
    CoordinatorTest()
    {
        opts.robots = false;
        opts.retries = 2;
        opts.retry_base = 1000ms;
        opts.max_retry_wait = 10s;
        opts.worker.concurrency = 4;
    }

    /// Builds the coordinator; every worker says hello unless told otherwise.
    void start(bool hello = true)
    {
        coordinator::environment env;
        env.now = [this] { return now; };
        env.warn = [this](std::string_view line) { warnings.emplace_back(line); };
        env.seed = 42;
        env.done = std::move(done);
        c = std::make_unique<coordinator>(opts, pool, std::move(env));
        for (unsigned w = 0; hello && w < opts.workers; ++w) {
            c->worker_ready(w);
        }
    }

    void lines(std::initializer_list<std::string_view> texts)
    {
        for (const auto text : texts) {
            c->take_line(++line_number, text, false);
        }
    }

    /// A worker's answer to a page job: the record line it would have written.
    void answer(const pool_call& job, unsigned status, error_class error = error_class::none,
                std::uint32_t retry_after_ms = wire::no_millis)
    {
        record::record r;
        r.seq = job.job.seq;
        r.url = job.job.url;
        r.status = static_cast<int>(status);
        r.error = error;
        r.attempts = job.job.attempt;
        r.worker = static_cast<int>(job.worker);
        std::string line;
        record::append_jsonl(r, false, line);
        wire::result_view result;
        result.seq = job.job.seq;
        result.error = error;
        result.http_status = static_cast<std::uint16_t>(status);
        result.retry_after_ms = retry_after_ms;
        result.line = line;
        c->page_result(job.worker, result);
    }

    void answer_robots(const pool_call& job, wire::robots_verdict verdict, std::vector<wire::rule_data> rules = {},
                       std::uint32_t crawl_delay_ms = wire::no_millis, unsigned status = 200,
                       error_class error = error_class::none)
    {
        wire::robots_result r;
        r.id = job.job.seq;
        r.verdict = verdict;
        r.rules = std::move(rules);
        r.crawl_delay_ms = crawl_delay_ms;
        r.http_status = static_cast<std::uint16_t>(status);
        r.error = error;
        r.message = verdict == wire::robots_verdict::disallow_all ? "HTTP 503" : "HTTP 200";
        c->robots_result(job.worker, r);
    }

    /// The records written since the last call, by seq (each seq at most once).
    std::map<std::uint64_t, json::object> records()
    {
        std::map<std::uint64_t, json::object> out;
        std::string_view text = c->output();
        while (!text.empty()) {
            const auto end = text.find('\n');
            auto object = json::parse(text.substr(0, end)).as_object();
            const auto seq = static_cast<std::uint64_t>(object.at("seq").as_int64());
            EXPECT_TRUE(out.emplace(seq, std::move(object)).second) << "two records for line " << seq;
            text.remove_prefix(end + 1);
        }
        c->output().clear();
        return out;
    }

    static std::string error_of(const json::object& r)
    {
        return r.at("error").is_null() ? "none" : std::string(r.at("error").as_object().at("class").as_string());
    }

    void advance(std::chrono::milliseconds by)
    {
        now += by;
        c->tick();
    }

    options opts;
    fake_pool pool;
    clock::time_point now = clock::time_point{} + 1000s;
    std::vector<std::string> warnings;
    done_lines done;
    std::unique_ptr<coordinator> c;
    std::uint64_t line_number = 0;
};

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
    EXPECT_EQ(names(pool.take_sent()), std::vector<std::string>{"send 0 #1"});
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
} // namespace crawl::supervisor
