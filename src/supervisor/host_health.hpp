#pragma once
// Hosts that stopped answering: consecutive connect failures and timeouts per host:port; at
// --host-errors in a row the host is given up for the rest of the run, so its remaining URLs
// fail at once instead of each waiting out its own timeouts. Any response resets the count.

#include "crawl/util/error_class.hpp"

#include <string>
#include <unordered_map>

namespace crawl::supervisor {

class host_health {
public:
    /// `threshold`: failures in a row that give a host up; 0 = never.
    explicit host_health(unsigned threshold) : threshold_(threshold) {}

    /// Counts one attempt's outcome. True when it made the host give up: the caller fails the
    /// host's URLs that are waiting.
    bool note(const std::string& host_key, error_class error, unsigned status);

    /// Why the host was given up, or null while it is not.
    [[nodiscard]] const std::string* given_up(const std::string& host_key) const;

    [[nodiscard]] std::size_t hosts_given_up() const noexcept { return given_up_.size(); }

private:
    unsigned threshold_;
    std::unordered_map<std::string, unsigned> failures_;     ///< consecutive, per host:port
    std::unordered_map<std::string, std::string> given_up_;  ///< host:port → why
};

} // namespace crawl::supervisor
