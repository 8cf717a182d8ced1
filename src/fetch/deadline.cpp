#include "deadline.hpp"

namespace crawl::fetch {

double ms_since(clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(clock::now() - start).count();
}

std::string seconds_text(std::chrono::milliseconds d)
{
    const auto ms = d.count();
    return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

failure timeout_failure(clock::time_point total_deadline, const options& opts, std::string phase)
{
    if (clock::now() + std::chrono::milliseconds(5) >= total_deadline) {
        return {error_class::timeout, "request exceeded --timeout of " + seconds_text(opts.total_timeout)};
    }
    return {error_class::timeout, std::move(phase)};
}

} // namespace crawl::fetch
