#pragma once
// File descriptors as a resource the fetches share: how many sockets this worker may hold,
// how many it holds, and the wait of a fetch that finds none free until one of ours closes
// (docs/design.md, "File descriptors").

#include "deadline.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <list>

namespace crawl::fetch {

class connection_pool;

/// The process is out of descriptors (RLIMIT_NOFILE) or the system is (ENFILE): not the URL's
/// fault, so the fetch waits for one instead of failing.
bool is_descriptor_shortage(const boost::system::error_code& ec);

/// Counts this client's open sockets against its share of RLIMIT_NOFILE and wakes a fetch
/// waiting for a descriptor when one of them closes (the longest waiter first).
/// Single-threaded, like the client.
class descriptor_gate {
public:
    /// Takes this process's share of descriptors as it is now (see socket_budget in the .cpp).
    explicit descriptor_gate(boost::asio::any_io_executor ex);

    void opened() noexcept { ++open_; }
    void closed() noexcept;
    /// The sockets this client holds fill its share: a new one must wait.
    [[nodiscard]] bool full() const noexcept { return open_ >= budget_; }
    /// Times a fetch found no descriptor free.
    [[nodiscard]] std::uint64_t waits() const noexcept { return waits_; }

    /// Called when this client's share is full, or connecting ran out of descriptors anyway
    /// (DNS lookups live off the headroom). Frees an idle connection of `idle` if there is
    /// one; otherwise waits until one of ours closes. That wait does not count against the
    /// URL's deadlines (they move by as much), as long as this worker holds sockets that will
    /// close; holding none, it counts, so a limit too low for even one socket ends in a connect
    /// error instead of a hang. Returns false when the URL has to give up.
    boost::asio::awaitable<bool> wait_for_descriptor(clock::time_point& deadline, clock::time_point& connect_deadline,
                                                     connection_pool& idle);

private:
    struct waiter {
        waiter(boost::asio::any_io_executor ex, clock::duration d) : timer(ex, d) {}
        boost::asio::steady_timer timer;
        bool woken = false;
    };

    /// Until one of our sockets closes, or `at_most` passed (a descriptor may also come back
    /// from elsewhere: a finished DNS lookup, another process for ENFILE).
    boost::asio::awaitable<void> wait(clock::duration at_most);

    boost::asio::any_io_executor executor_;
    std::list<waiter*> waiters_;
    std::size_t open_ = 0;
    std::size_t budget_; ///< sockets open at once, connecting, in use or idle
    std::uint64_t waits_ = 0;
};

} // namespace crawl::fetch
