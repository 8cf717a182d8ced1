#pragma once
// When a failed attempt is tried again, and after how long: transient failures only, up to
// --retries more attempts, exponential backoff with equal jitter, or the server's Retry-After
// when it sent one and it is within --max-retry-wait. Also how long a 429 or 503 holds back
// its whole host. Pure: the caller owns the timers.

#include "crawl/util/error_class.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

namespace crawl::supervisor {

class retry_policy {
public:
    /// `retries`: extra attempts after the first; `base`: the backoff before the first retry,
    /// doubled for each later one up to `max_wait`, the longest wait of any kind.
    retry_policy(unsigned retries, std::chrono::milliseconds base, std::chrono::milliseconds max_wait,
                 std::uint64_t seed);

    /// Transient failures worth another attempt: no connection, no answer in time, an answer
    /// that says "later" (429, 500, 502, 503, 504), a connection lost before any response.
    [[nodiscard]] static bool retryable(error_class error, unsigned status) noexcept;

    /// Whether attempt number `attempt` (1-based) that ended so gets another.
    [[nodiscard]] bool allows_retry(unsigned attempt, error_class error, unsigned status) const noexcept
    {
        return retryable(error, status) && attempt <= retries_;
    }

    /// How long to wait before the attempt after `attempt`: the server's Retry-After when it
    /// sent one (`retry_after`), else the backoff. Nothing when Retry-After asks for longer
    /// than --max-retry-wait: retrying sooner would be rude, waiting longer is not allowed.
    [[nodiscard]] std::optional<std::chrono::milliseconds> wait_before_retry(
        unsigned attempt, std::optional<std::chrono::milliseconds> retry_after);

    /// How long a 429 or 503 holds back its host, whether or not the URL is tried again:
    /// Retry-After up to --max-retry-wait, else the backoff. Nothing for other statuses.
    [[nodiscard]] std::optional<std::chrono::milliseconds> host_pause(
        unsigned attempt, unsigned status, std::optional<std::chrono::milliseconds> retry_after);

    /// base · 2^(attempt-1), capped at max_wait, then drawn uniformly from its upper half.
    [[nodiscard]] std::chrono::milliseconds backoff(unsigned attempt);

private:
    unsigned retries_;
    std::chrono::milliseconds base_;
    std::chrono::milliseconds max_wait_;
    std::mt19937_64 rng_;
};

} // namespace crawl::supervisor
