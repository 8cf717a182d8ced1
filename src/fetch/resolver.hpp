#pragma once
// Name resolution for one worker: --resolve overrides, IP literals, a small cache, and a real
// deadline (Asio's resolver runs getaddrinfo on a hidden thread that cannot be interrupted, so
// a lookup that outlives its deadline is abandoned, not waited for; its answer still fills the
// cache).

#include "crawl/fetch/options.hpp"
#include "crawl/util/error_class.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace crawl::fetch {

class resolver {
public:
    using clock = std::chrono::steady_clock;

    resolver(boost::asio::any_io_executor executor, const options& opts);

    struct answer {
        std::vector<boost::asio::ip::tcp::endpoint> endpoints; ///< empty on failure
        failure error;
        bool looked_up = false; ///< false when answered without DNS (literal, override, cache)
        bool out_of_descriptors = false; ///< the lookup failed for want of a file descriptor
    };

    boost::asio::awaitable<answer> resolve(std::string host, std::uint16_t port, clock::time_point deadline);

private:
    struct lookup; // one getaddrinfo in progress, shared by every fetch waiting for that host

    boost::asio::any_io_executor executor_;
    const options& options_;
    boost::asio::ip::tcp::resolver resolver_;
    struct cached {
        std::vector<boost::asio::ip::address> addresses;
        clock::time_point expires;
    };
    std::unordered_map<std::string, cached> cache_;
    std::unordered_map<std::string, std::shared_ptr<lookup>> in_progress_;
};

} // namespace crawl::fetch
