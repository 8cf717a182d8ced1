#include "resolver.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cerrno>
#include <list>

namespace crawl::fetch {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr auto nothrow = net::as_tuple(net::use_awaitable);
// getaddrinfo reports no TTL; a minute keeps a long run from pinning stale addresses.
constexpr auto cache_lifetime = std::chrono::seconds(60);
constexpr std::size_t max_cache_entries = 10'000;

std::vector<tcp::endpoint> with_port(const std::vector<net::ip::address>& addresses, std::uint16_t port)
{
    std::vector<tcp::endpoint> endpoints;
    endpoints.reserve(addresses.size());
    for (const auto& a : addresses) {
        endpoints.emplace_back(a, port);
    }
    return endpoints;
}

} // namespace

struct resolver::lookup {
    bool done = false;
    std::vector<net::ip::address> addresses;
    boost::system::error_code error;
    std::list<net::steady_timer*> waiters; // woken by cancel() when the answer arrives
};

resolver::resolver(net::any_io_executor executor, const options& opts)
    : executor_(executor), options_(opts), resolver_(executor)
{
}

net::awaitable<resolver::answer> resolver::resolve(std::string host, std::uint16_t port, clock::time_point deadline)
{
    answer out;
    for (const auto& o : options_.resolve) {
        if (o.port == port && o.host == host) {
            out.endpoints.emplace_back(net::ip::make_address(o.address), port);
            co_return out;
        }
    }
    boost::system::error_code literal_error;
    const auto literal = net::ip::make_address(host, literal_error);
    if (!literal_error) {
        out.endpoints.emplace_back(literal, port);
        co_return out;
    }
    if (auto it = cache_.find(host); it != cache_.end() && it->second.expires > clock::now()) {
        out.endpoints = with_port(it->second.addresses, port);
        co_return out;
    }

    out.looked_up = true;
    std::shared_ptr<lookup> pending;
    if (auto it = in_progress_.find(host); it != in_progress_.end()) {
        pending = it->second;
    } else {
        pending = std::make_shared<lookup>();
        in_progress_.emplace(host, pending);
        // Detached so that a caller giving up at its deadline does not cancel the lookup for
        // the others waiting on it (and so its answer still reaches the cache).
        net::co_spawn(
            executor_,
            [this, host, pending]() -> net::awaitable<void> {
                auto [ec, results] = co_await resolver_.async_resolve(host, "", nothrow);
                pending->error = ec;
                for (const auto& entry : results) {
                    pending->addresses.push_back(entry.endpoint().address());
                }
                pending->done = true;
                in_progress_.erase(host);
                if (!ec && !pending->addresses.empty()) {
                    if (cache_.size() >= max_cache_entries) {
                        cache_.clear();
                    }
                    cache_[host] = cached{pending->addresses, clock::now() + cache_lifetime};
                }
                for (auto* waiter : pending->waiters) {
                    waiter->cancel();
                }
            },
            net::detached);
    }

    if (!pending->done) {
        net::steady_timer timer(executor_, deadline);
        auto me = pending->waiters.insert(pending->waiters.end(), &timer);
        co_await timer.async_wait(nothrow);
        pending->waiters.erase(me);
    }
    if (!pending->done) {
        out.error = {error_class::timeout, "name resolution of " + host + " timed out"};
    } else if (pending->error || pending->addresses.empty()) {
        // getaddrinfo needs descriptors too (a socket, /etc/hosts): EAI_SYSTEM arrives as errno.
        out.out_of_descriptors = pending->error == net::error::no_descriptors ||
                                 pending->error == boost::system::error_code(ENFILE, boost::system::system_category());
        const std::string why = pending->error ? pending->error.message() : "no addresses";
        out.error = {error_class::dns, "cannot resolve " + host + ": " + why};
    } else {
        out.endpoints = with_port(pending->addresses, port);
    }
    co_return out;
}

} // namespace crawl::fetch
