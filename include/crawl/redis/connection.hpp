#pragma once
// One connection to a Redis server on an Asio executor, through hiredis's asynchronous API.
// Single-threaded, like its executor; nothing here blocks but the name lookup of a host that
// is not an IP literal (hiredis 0.14 resolves with getaddrinfo as it connects).

#include "crawl/redis/address.hpp"
#include "crawl/redis/reply.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace crawl::redis {

namespace detail {
struct connection_state;
} // namespace detail

/// Commands go out pipelined, in the order they are sent, and each callback gets its
/// command's reply, in the same order. Callbacks and on_lost run on the executor, never inside
/// a call to the connection; any of them may send commands or destroy the connection.
///
/// Commands that make the server send what was not asked for (SUBSCRIBE and its kin,
/// MONITOR) are refused with an error reply; CLIENT REPLY OFF and HELLO 3 would break the
/// pairing of replies with commands and must not be sent.
class connection {
public:
    using callback = std::function<void(reply)>;

    /// Starts connecting (non-blocking) on `ex`; commands may be sent at once: they queue
    /// until the connection is up. Selects `a.db` first when it is not 0, and holds the other
    /// commands back until the server has accepted it.
    /// When the connection fails or is lost (a SELECT refused included), `on_lost` is called
    /// once with a message, and every command still waiting gets an error reply
    /// (kind::error) saying so; later commands too.
    connection(const boost::asio::any_io_executor& ex, const address& a,
               std::function<void(std::string_view)> on_lost);
    /// Disconnects. No callback is called once destruction begins, on_lost included, not
    /// even for replies that had already arrived.
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    /// Sends one command (binary-safe arguments); `done` gets its reply on the executor.
    void command(std::vector<std::string> args, callback done);
    /// Commands sent whose callbacks have not been called yet.
    [[nodiscard]] std::size_t waiting() const noexcept;
    /// True from the moment the connection is known to be gone (on_lost may not have run yet).
    [[nodiscard]] bool lost() const noexcept;

private:
    std::shared_ptr<detail::connection_state> state_;
};

} // namespace crawl::redis
