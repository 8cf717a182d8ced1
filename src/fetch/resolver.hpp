#pragma once
// Name resolution for one worker: --resolve overrides, IP literals, a cache that honours each
// answer's TTL, and asynchronous lookups through c-ares on the worker's own io_context.
// (Asio's resolver runs getaddrinfo on one hidden thread per io_context, so lookups would
// queue behind each other: 5,000 names at 50 ms each would take 250 s.)

#include "crawl/fetch/options.hpp"
#include "crawl/util/error_class.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

struct ares_channeldata;
struct ares_addrinfo;

namespace crawl::fetch {

class resolver {
public:
    using clock = std::chrono::steady_clock;

    /// Throws std::runtime_error when c-ares cannot be set up (bad --dns-server, no memory).
    resolver(boost::asio::any_io_executor executor, const options& opts);
    ~resolver();
    resolver(const resolver&) = delete;
    resolver& operator=(const resolver&) = delete;

    struct answer {
        std::vector<boost::asio::ip::tcp::endpoint> endpoints; ///< empty on failure
        failure error;
        bool looked_up = false; ///< false when answered without DNS (literal, override, cache)
    };

    /// Never throws for lookup failures: they come back in answer::error (`dns`, or `timeout`
    /// when `deadline` passes first; the lookup then goes on for others and the cache).
    boost::asio::awaitable<answer> resolve(std::string host, std::uint16_t port, clock::time_point deadline);

private:
    struct lookup;  // one query in progress, shared by every fetch waiting for that host
    struct watched; // one c-ares socket and the waits on it

    void start_lookup(const std::string& host, const std::shared_ptr<lookup>& pending);
    void finish_lookup(lookup& pending, int status, ares_addrinfo* result);
    static void on_socket_state(void* self, int fd, int readable, int writable);
    void watch(int fd, bool readable, bool writable);
    void arm(const std::shared_ptr<watched>& w);
    void schedule_timeout();

    boost::asio::any_io_executor executor_;
    const options& options_;
    ares_channeldata* channel_ = nullptr;
    boost::asio::steady_timer timeout_timer_; ///< c-ares's next retransmission or give-up
    std::unordered_map<int, std::shared_ptr<watched>> sockets_;
    struct cached {
        std::vector<boost::asio::ip::address> addresses;
        clock::time_point expires;
    };
    std::unordered_map<std::string, cached> cache_;
    std::unordered_map<std::string, std::shared_ptr<lookup>> in_progress_;
};

} // namespace crawl::fetch
