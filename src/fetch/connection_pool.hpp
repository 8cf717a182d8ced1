#pragma once
// Keep-alive connections waiting for their next request, per scheme://host:port, within the
// per-host and total idle limits. A connection comes back out only if it is young enough and
// no byte arrived on it while it was idle.

#include "connection.hpp"

#include "crawl/fetch/options.hpp"
#include "crawl/url/url.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace crawl::fetch {

class connection_pool {
public:
    explicit connection_pool(const options& opts) : opts_(opts) {}

    /// The pool's key for a target: connections are shared by scheme, host and port.
    static std::string key_of(const url::target& t) { return t.scheme + "://" + t.host_port(); }

    /// The most recently idle connection for `key` that may still be used; nullptr when none.
    /// Connections found stale on the way are closed.
    std::unique_ptr<connection> take(const std::string& key);

    /// Keeps `conn` (a whole response read, nothing unread) for its key, or closes it when
    /// the idle limits are reached.
    void put(std::unique_ptr<connection> conn);

    /// Closes the idle connection unused the longest, whatever its host; false when none.
    bool close_oldest();

private:
    const options& opts_;
    std::unordered_map<std::string, std::vector<std::unique_ptr<connection>>> idle_;
    std::size_t idle_count_ = 0;
};

} // namespace crawl::fetch
