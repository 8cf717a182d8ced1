#include "retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace crawl::supervisor {

using std::chrono::milliseconds;

retry_policy::retry_policy(unsigned retries, milliseconds base, milliseconds max_wait, std::uint64_t seed)
    : retries_(retries), base_(base), max_wait_(max_wait), rng_(seed)
{
}

bool retry_policy::retryable(error_class error, unsigned status) noexcept
{
    if (status == 429 || status == 500 || status == 502 || status == 503 || status == 504) {
        return true;
    }
    if (error == error_class::connect || error == error_class::timeout) {
        return true;
    }
    return (error == error_class::read || error == error_class::write) && status == 0;
}

std::optional<milliseconds> retry_policy::wait_before_retry(unsigned attempt, std::optional<milliseconds> retry_after)
{
    if (retry_after) {
        if (*retry_after > max_wait_) {
            return std::nullopt;
        }
        return *retry_after;
    }
    return backoff(attempt);
}

std::optional<milliseconds> retry_policy::host_pause(unsigned attempt, unsigned status,
                                                     std::optional<milliseconds> retry_after)
{
    if (status != 429 && status != 503) {
        return std::nullopt;
    }
    if (retry_after) {
        return std::min(*retry_after, max_wait_);
    }
    return backoff(attempt);
}

milliseconds retry_policy::backoff(unsigned attempt)
{
    const double exponential =
        static_cast<double>(base_.count()) * std::ldexp(1.0, static_cast<int>(std::min(attempt, 30u)) - 1);
    const double cap = std::min(exponential, static_cast<double>(max_wait_.count()));
    std::uniform_real_distribution<double> equal_jitter(cap / 2, cap);
    return milliseconds(std::llround(equal_jitter(rng_)));
}

} // namespace crawl::supervisor
