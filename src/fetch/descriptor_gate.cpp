#include "descriptor_gate.hpp"

#include "connection_pool.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <limits>

namespace crawl::fetch {

namespace net = boost::asio;
using error_code = boost::system::error_code;

namespace {

// Descriptors a worker leaves to everything but its sockets: DNS lookups, iconv loading a
// charset module, the sanitizers' own pipes and /proc reads. Without them, running out of
// sockets would also break those.
constexpr std::size_t descriptor_headroom = 16;

/// How many sockets this process may hold: its share of RLIMIT_NOFILE once the descriptors
/// already open (stdio, pipes, the event loop's own) and the headroom are set aside.
std::size_t socket_budget()
{
    struct rlimit lim {};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) {
        return std::numeric_limits<std::size_t>::max();
    }
    std::size_t in_use = 0;
    std::error_code ec;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) {
        ++in_use;
    }
    const auto limit = static_cast<std::size_t>(lim.rlim_cur);
    return limit > in_use + descriptor_headroom ? limit - in_use - descriptor_headroom : 1;
}

} // namespace

bool is_descriptor_shortage(const error_code& ec)
{
    return ec == net::error::no_descriptors || ec == error_code(ENFILE, boost::system::system_category());
}

descriptor_gate::descriptor_gate(net::any_io_executor ex) : executor_(ex), budget_(socket_budget()) {}

void descriptor_gate::closed() noexcept
{
    --open_;
    if (!waiters_.empty()) { // one descriptor back: one waiter may retry
        waiter* w = waiters_.front();
        waiters_.pop_front();
        w->woken = true;
        w->timer.cancel();
    }
}

net::awaitable<void> descriptor_gate::wait(clock::duration at_most)
{
    waiter w(executor_, at_most);
    const auto me = waiters_.insert(waiters_.end(), &w);
    co_await w.timer.async_wait(net::as_tuple(net::use_awaitable));
    if (!w.woken) {
        waiters_.erase(me);
    }
}

net::awaitable<bool> descriptor_gate::wait_for_descriptor(clock::time_point& deadline,
                                                          clock::time_point& connect_deadline, connection_pool& idle)
{
    ++waits_;
    if (idle.close_oldest()) {
        co_return true;
    }
    const auto start = clock::now();
    if (open_ > 0) {
        co_await wait(std::chrono::milliseconds(100));
        const auto waited = clock::now() - start;
        deadline += waited;
        connect_deadline += waited;
        co_return true;
    }
    if (start >= connect_deadline) {
        co_return false;
    }
    co_await wait(std::min<clock::duration>(std::chrono::milliseconds(50), connect_deadline - start));
    co_return true;
}

} // namespace crawl::fetch
