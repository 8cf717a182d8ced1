#pragma once
// Hosts that stopped answering: consecutive connect failures and timeouts per host:port; at
// --host-errors in a row the host is given up for the rest of the run, so its remaining URLs
// fail at once instead of each waiting out its own timeouts. Any response resets the count.

#include "crawl/util/error_class.hpp"

#include <string>
#include <unordered_map>
#include <unordered_set>

namespace crawl::supervisor {

class host_health {
public:
    /// `threshold`: failures in a row that give a host up; 0 = never.
    explicit host_health(unsigned threshold) : threshold_(threshold) {}

    /// Counts one attempt's outcome. True when it made the host give up: the caller fails the
    /// host's URLs that are waiting.
    bool note(const std::string& host_key, error_class error, unsigned status);

    [[nodiscard]] bool given_up(const std::string& host_key) const { return given_up_.contains(host_key); }

    /// Why a host was given up, for its URLs' records.
    [[nodiscard]] std::string why_given_up(const std::string& host_key) const;

    [[nodiscard]] std::size_t hosts_given_up() const noexcept { return given_up_.size(); }

private:
    unsigned threshold_;
    std::unordered_map<std::string, unsigned> failures_; ///< consecutive, per host:port
    std::unordered_set<std::string> given_up_;           ///< host:port
};

} // namespace crawl::supervisor
