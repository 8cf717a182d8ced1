// The supervisor's retry policy and host health, with fixed seeds: which failures are retried,
// backoff bounds, Retry-After, host pauses, and giving a host up after failures in a row.

#include "supervisor/host_health.hpp"
#include "supervisor/retry_policy.hpp"

#include <gtest/gtest.h>

namespace crawl::supervisor {
namespace {

using namespace std::chrono_literals;

TEST(RetryPolicyTest, OnlyTransientFailuresAreRetried)
{
    for (const unsigned status : {429u, 500u, 502u, 503u, 504u}) {
        EXPECT_TRUE(retry_policy::retryable(error_class::http_status, status)) << status;
    }
    for (const unsigned status : {400u, 401u, 403u, 404u, 501u, 505u}) {
        EXPECT_FALSE(retry_policy::retryable(error_class::http_status, status)) << status;
    }
    EXPECT_TRUE(retry_policy::retryable(error_class::connect, 0));
    EXPECT_TRUE(retry_policy::retryable(error_class::timeout, 0));
    EXPECT_TRUE(retry_policy::retryable(error_class::read, 0)) << "lost before any response";
    EXPECT_FALSE(retry_policy::retryable(error_class::read, 200)) << "lost mid-body: the server did answer";
    EXPECT_FALSE(retry_policy::retryable(error_class::dns, 0));
    EXPECT_FALSE(retry_policy::retryable(error_class::tls, 0));
    EXPECT_FALSE(retry_policy::retryable(error_class::none, 200));

    const retry_policy two(2, 100ms, 10s, 1);
    EXPECT_TRUE(two.allows_retry(1, error_class::connect, 0));
    EXPECT_TRUE(two.allows_retry(2, error_class::connect, 0));
    EXPECT_FALSE(two.allows_retry(3, error_class::connect, 0)) << "two retries: three attempts in all";
    EXPECT_FALSE(retry_policy(0, 100ms, 10s, 1).allows_retry(1, error_class::timeout, 0));
}

TEST(RetryPolicyTest, BackoffDoublesWithEqualJitterUpToTheCap)
{
    retry_policy p(10, 100ms, 1000ms, 42);
    const std::chrono::milliseconds caps[] = {100ms, 200ms, 400ms, 800ms, 1000ms, 1000ms};
    for (unsigned attempt = 1; attempt <= 6; ++attempt) {
        const auto cap = caps[attempt - 1];
        std::chrono::milliseconds low = cap;
        std::chrono::milliseconds high = 0ms;
        for (int i = 0; i < 200; ++i) {
            const auto b = p.backoff(attempt);
            low = std::min(low, b);
            high = std::max(high, b);
        }
        EXPECT_GE(low, cap / 2) << "attempt " << attempt;
        EXPECT_LE(high, cap) << "attempt " << attempt;
        EXPECT_GT(high - low, cap / 4) << "jitter spreads the retries, attempt " << attempt;
    }
    EXPECT_LE(p.backoff(1000), 1000ms) << "huge attempt numbers stay capped";
}

TEST(RetryPolicyTest, RetryAfterIsObeyedOrTheResultIsFinal)
{
    retry_policy p(2, 100ms, 5s, 7);
    EXPECT_EQ(p.wait_before_retry(1, 3s), 3s);
    EXPECT_EQ(p.wait_before_retry(1, 5s), 5s);
    EXPECT_FALSE(p.wait_before_retry(1, 6s)) << "longer than --max-retry-wait: give up";
    const auto b = p.wait_before_retry(2, std::nullopt);
    ASSERT_TRUE(b);
    EXPECT_GE(*b, 100ms);
    EXPECT_LE(*b, 200ms);
}

TEST(RetryPolicyTest, A429Or503HoldsBackTheHost)
{
    retry_policy p(2, 100ms, 5s, 7);
    EXPECT_EQ(p.host_pause(1, 429, 2s), 2s);
    EXPECT_EQ(p.host_pause(1, 503, 60s), 5s) << "at most --max-retry-wait";
    const auto b = p.host_pause(1, 503, std::nullopt);
    ASSERT_TRUE(b);
    EXPECT_LE(*b, 100ms);
    EXPECT_FALSE(p.host_pause(1, 500, 2s));
    EXPECT_FALSE(p.host_pause(1, 0, std::nullopt));
}

TEST(HostHealthTest, FailuresInARowGiveAHostUpAndAResponseResetsThem)
{
    host_health h(3);
    EXPECT_FALSE(h.note("a:80", error_class::connect, 0));
    EXPECT_FALSE(h.note("a:80", error_class::timeout, 0));
    EXPECT_FALSE(h.note("a:80", error_class::http_status, 503)) << "an answer, even a 503, resets";
    EXPECT_FALSE(h.note("a:80", error_class::connect, 0));
    EXPECT_FALSE(h.note("a:80", error_class::read, 0)) << "neither counts nor resets";
    EXPECT_FALSE(h.note("a:80", error_class::connect, 0));
    EXPECT_FALSE(h.given_up("a:80"));
    EXPECT_TRUE(h.note("a:80", error_class::timeout, 0)) << "the third in a row";
    ASSERT_TRUE(h.given_up("a:80"));
    const std::string why = h.why_given_up("a:80");
    EXPECT_NE(why.find("a:80 failed 3 times in a row"), std::string::npos) << why;
    EXPECT_FALSE(h.note("a:80", error_class::connect, 0)) << "given up once";
    EXPECT_FALSE(h.given_up("b:80")) << "per host:port";
    EXPECT_EQ(h.hosts_given_up(), 1u);
}

TEST(HostHealthTest, ZeroNeverGivesUp)
{
    host_health h(0);
    for (int i = 0; i < 100; ++i) {
        EXPECT_FALSE(h.note("a:80", error_class::connect, 0));
    }
    EXPECT_FALSE(h.given_up("a:80"));
}

} // namespace
} // namespace crawl::supervisor
