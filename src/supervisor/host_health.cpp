#include "host_health.hpp"

namespace crawl::supervisor {

bool host_health::note(const std::string& host_key, error_class error, unsigned status)
{
    if (threshold_ == 0) {
        return false;
    }
    if (error != error_class::connect && error != error_class::timeout) {
        if (status != 0) {
            failures_.erase(host_key);
        }
        return false;
    }
    if (given_up_.contains(host_key) || ++failures_[host_key] < threshold_) {
        return false;
    }
    failures_.erase(host_key);
    given_up_.insert(host_key);
    return true;
}

std::string host_health::why_given_up(const std::string& host_key) const
{
    return host_key + " failed " + std::to_string(threshold_) +
           " times in a row (connect failures or timeouts); not tried";
}

} // namespace crawl::supervisor
