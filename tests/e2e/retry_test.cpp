// Retries end to end: which failures are retried, attempts in records, exponential backoff,
// Retry-After in both forms, a waiting retry holding no worker slot, and --host-errors.

#include "harness.hpp"
#include "support/test_server.hpp"

#include <algorithm>

namespace crawl::test {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

/// Arrival times at the server of the requests whose target contains `needle`.
std::vector<steady::time_point> times_of(const test_server& server, std::string_view needle)
{
    std::vector<steady::time_point> out;
    for (const auto& r : server.requests_log("/")) {
        if (r.target.find(needle) != std::string::npos) {
            out.push_back(r.at);
        }
    }
    return out;
}

/// Where the record of `seq` is in the output (records are written as they finish).
std::size_t output_position(const crawl_run& run, std::uint64_t seq)
{
    const std::string tag = "{\"seq\":" + std::to_string(seq) + ",";
    for (std::size_t i = 0; i < run.lines.size(); ++i) {
        if (run.lines[i].starts_with(tag)) {
            return i;
        }
    }
    ADD_FAILURE() << "no record with seq " << seq;
    return run.lines.size();
}

std::string flaky(std::string_view key, int fail, int code)
{
    return "/status-then-ok?fail=" + std::to_string(fail) + "&code=" + std::to_string(code) + "&key=" +
           std::string(key);
}

TEST(RetryTest, TransientFailuresAreRetriedAndRecordsCarryAttempts)
{
    test_server server;
    test_server closer; // its own host: its first request always comes on a fresh connection
    const std::vector<std::string> urls{
        server.url(flaky("a", 2, 503)), // 1: ok on the third attempt
        server.url(flaky("b", 5, 503)), // 2: still 503 after three attempts
        server.url(flaky("c", 1, 429)), // 3
        server.url(flaky("d", 1, 500)), // 4
        server.url(flaky("e", 1, 502)), // 5
        server.url(flaky("f", 1, 504)), // 6
        server.url(flaky("g", 1, 404)), // 7: not transient, not retried
        closer.url(flaky("h", 1, 0)),   // 8: connection closed before any response
        server.url("/slow?ms=3000"),    // 9: timeout each time
        "http://127.0.0.1:1/",          // 10: connection refused each time
    };
    const auto run = run_crawl(urls, {"--retries", "2", "--retry-base", "100", "--timeout", "0.4",
                                      "--ignore-robots", "--host-errors", "0"});
    ASSERT_EQ(run.records.size(), urls.size()) << run.process.err;
    const auto expect = [&](std::uint64_t seq, std::string_view error, int attempts) {
        SCOPED_TRACE(urls[seq - 1]);
        EXPECT_EQ(error_class_of(run.at(seq)), error);
        EXPECT_EQ(num(run.at(seq), "attempts"), attempts);
    };
    expect(1, "none", 3);
    expect(2, "http_status", 3);
    EXPECT_EQ(num(run.at(2), "status"), 503);
    expect(3, "none", 2);
    expect(4, "none", 2);
    expect(5, "none", 2);
    expect(6, "none", 2);
    expect(7, "http_status", 1);
    expect(8, "none", 2);
    expect(9, "timeout", 3);
    expect(10, "connect", 3);
    EXPECT_EQ(times_of(server, "key=a").size(), 3u);
    EXPECT_EQ(times_of(server, "key=b").size(), 3u) << "only the final attempt's record is written";
    EXPECT_EQ(times_of(server, "key=g").size(), 1u);
    EXPECT_EQ(server.requests_for("/slow"), 3u);
    // --timeout ended each /slow attempt: the retries came while the server still slept on the
    // first one (it answers after 3 s, and notes that only then).
    const auto slow = server.requests_log("/slow");
    ASSERT_EQ(slow.size(), 3u);
    EXPECT_TRUE(!slow[0].done || slow[2].at < *slow[0].done) << "the last retry came after the first answer";
    // Exponential backoff with equal jitter: 50-100 ms, then 100-200 ms.
    const auto b = times_of(server, "key=b");
    EXPECT_GE(b[1] - b[0], 50ms);
    EXPECT_GE(b[2] - b[1], 100ms);
    EXPECT_NE(run.process.err.find("retries"), std::string::npos) << run.process.err;

    const auto none = run_crawl({server.url(flaky("n", 1, 503))}, {"--retries", "0", "--ignore-robots"});
    EXPECT_EQ(num(none.at(1), "attempts"), 1);
    EXPECT_EQ(num(none.at(1), "status"), 503);
}

TEST(RetryTest, RetryAfterInSecondsOrAsADateIsHonouredUpToMaxRetryWait)
{
    test_server seconds_host;
    test_server date_host;
    test_server long_host;
    const std::vector<std::string> urls{
        seconds_host.url(flaky("s", 1, 503) + "&retry-after=1"),
        date_host.url(flaky("d", 1, 429) + "&retry-date=2"),
        long_host.url(flaky("l", 1, 503) + "&retry-after=30"),
    };
    const auto run = run_crawl(urls, {"--retry-base", "10", "--max-retry-wait", "5"});
    ASSERT_EQ(run.records.size(), 3u) << run.process.err;
    EXPECT_TRUE(run.at(1).at("ok").as_bool());
    EXPECT_EQ(num(run.at(1), "attempts"), 2);
    const auto s = times_of(seconds_host, "key=s");
    ASSERT_EQ(s.size(), 2u);
    EXPECT_GE(s[1] - s[0], 990ms) << "Retry-After: 1 is waited for, not the 10 ms backoff";
    EXPECT_TRUE(run.at(2).at("ok").as_bool());
    const auto d = times_of(date_host, "key=d");
    ASSERT_EQ(d.size(), 2u);
    EXPECT_GE(d[1] - d[0], 900ms) << "an HTTP-date two seconds ahead (to the second)";
    // Longer than --max-retry-wait: retrying early would be rude, so the 503 is final.
    EXPECT_EQ(num(run.at(3), "status"), 503);
    EXPECT_EQ(num(run.at(3), "attempts"), 1);
    const auto message = str(run.at(3).at("error").as_object(), "message");
    EXPECT_NE(message.find("Retry-After: 30"), std::string::npos) << message;
    EXPECT_EQ(times_of(long_host, "key=l").size(), 1u);
    // Records are written as they finish: that 503 was final at once, not after waiting.
    EXPECT_LT(output_position(run, 3), output_position(run, 1));
    EXPECT_LT(output_position(run, 3), output_position(run, 2));
}

TEST(RetryTest, AWaitingRetryHoldsNoWorkerSlot)
{
    test_server flaky_host;
    test_server other;
    std::vector<std::string> urls{flaky_host.url(flaky("w", 1, 503) + "&retry-after=1")};
    for (int i = 0; i < 20; ++i) {
        urls.push_back(other.url("/page/" + std::to_string(i)));
    }
    // One worker with one slot: if the retry waited in it, nothing else could run meanwhile.
    const auto run = run_crawl(urls, {"-w", "1", "-c", "1"});
    ASSERT_EQ(run.records.size(), 21u) << run.process.err;
    EXPECT_EQ(run.process.exit_code, 0) << run.process.out;
    const auto w = times_of(flaky_host, "key=w");
    ASSERT_EQ(w.size(), 2u);
    const auto pages = other.requests_log("/page/");
    ASSERT_EQ(pages.size(), 20u);
    EXPECT_LT(pages.back().at, w[1]) << "all 20 pages ran while the retry waited";
    EXPECT_GT(pages.back().at, w[0]);
    EXPECT_EQ(num(run.at(1), "attempts"), 2);
}

TEST(RetryTest, HostErrorsMakeTheRestOfAHostFailFast)
{
    test_server silent;
    test_server healthy;
    std::vector<std::string> urls;
    // More URLs than the input window (1024 here): some are read only after the host was given up.
    for (int i = 0; i < 1100; ++i) {
        urls.push_back(silent.url("/never?i=" + std::to_string(i)));
    }
    for (int i = 0; i < 20; ++i) {
        urls.push_back("http://127.0.0.1:1/page/" + std::to_string(i)); // refused
    }
    for (int i = 0; i < 10; ++i) {
        urls.push_back(healthy.url("/page/" + std::to_string(i)));
    }
    const auto run = run_crawl(urls, {"-w", "2", "--per-host", "2", "--timeout", "0.4", "--retries", "0",
                                      "--host-errors", "3", "--ignore-robots"});
    ASSERT_EQ(run.records.size(), urls.size()) << run.process.err;
    std::map<std::string, std::size_t> silent_classes;
    std::map<std::string, std::size_t> refused_classes;
    for (const auto& [seq, r] : run.records) {
        if (seq <= 1100) {
            ++silent_classes[error_class_of(r)];
        } else if (seq <= 1120) {
            ++refused_classes[error_class_of(r)];
        } else {
            EXPECT_TRUE(r.at("ok").as_bool()) << "another host is not affected";
        }
    }
    // Two in flight at a time: the third timeout ends the host, the fourth may be in flight then.
    EXPECT_GE(silent_classes["timeout"], 3u);
    EXPECT_LE(silent_classes["timeout"], 4u);
    EXPECT_EQ(silent_classes["timeout"] + silent_classes["host_unreachable"], 1100u);
    // The rest failed fast: no request, so no timeout waited out (without --host-errors the
    // silent host alone would take 1100 x 0.4 s / 2 = 220 s).
    EXPECT_EQ(silent.requests_for("/never"), silent_classes["timeout"]);
    EXPECT_GE(refused_classes["connect"], 3u);
    EXPECT_EQ(refused_classes["connect"] + refused_classes["host_unreachable"], 20u);
    const auto message = str(run.at(1100).at("error").as_object(), "message");
    EXPECT_NE(message.find("failed 3 times in a row"), std::string::npos) << message;
}

} // namespace
} // namespace crawl::test
