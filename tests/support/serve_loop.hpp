#pragma once
// The loops of the web servers that serve from memory (the synthetic web's and
// crawl-bench-server): accept connections until the acceptor closes; on each, read a request,
// let the server answer it, read the next one, until the client or the answer ends the
// connection. Header-only: the servers link Asio and Beast themselves (crawl::asio).

#include "support/arrival_stamp.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/parser.hpp>

#include <chrono>
#include <type_traits>
#include <utility>

namespace crawl::test {

/// Accepts connections on `acceptor` until it is closed, each served by the awaitable
/// `session(socket)`, spawned on the acceptor's executor. A failed accept (EMFILE, say) is
/// passed over: the connections there are go on being served.
template <class Session>
boost::asio::awaitable<void> accept_each(boost::asio::ip::tcp::acceptor& acceptor, Session session)
{
    namespace net = boost::asio;
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(net::as_tuple(net::use_awaitable));
        if (ec == net::error::operation_aborted) {
            co_return;
        }
        if (!ec) {
            net::co_spawn(acceptor.get_executor(), session(std::move(socket)), net::detached);
        }
    }
}

/// A request as the servers read it: a header and no body, up to 16 KiB.
using bodiless_request = boost::beast::http::request<boost::beast::http::empty_body>;

/// Serves the requests on `socket` one after another. Each goes to `answer(socket, request,
/// timer)`, an awaitable that writes the response and yields whether the connection goes on
/// (false after a failed write or when either side asked to close); `timer` is the
/// connection's, for answers that wait. An answer that also takes a time, `answer(socket,
/// request, arrived, timer)`, is told when the request's first byte reached the socket
/// (arrival_stamp.hpp; it costs a wait and a peek a request, which the benchmark server does
/// without). Ends at the first failed read (the client's close included), then shuts down the
/// sending side.
template <class Answer>
boost::asio::awaitable<void> serve_keep_alive(boost::asio::ip::tcp::socket& socket, Answer answer)
{
    namespace net = boost::asio;
    namespace http = boost::beast::http;
    using tcp = net::ip::tcp;
    constexpr bool stamped = std::is_invocable_v<Answer&, tcp::socket&, const bodiless_request&,
                                                 std::chrono::steady_clock::time_point, net::steady_timer&>;

    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if constexpr (stamped) {
        stamp_arrivals(socket.native_handle()); // (a listener that asked has it on already)
    }
    boost::beast::flat_buffer buffer;
    net::steady_timer timer(socket.get_executor());
    for (;;) {
        http::request_parser<http::empty_body> parser;
        parser.header_limit(16 * 1024);
        [[maybe_unused]] auto arrived = std::chrono::steady_clock::now();
        if constexpr (stamped) {
            // The stamp is read before the request is: once read, it is gone. (Bytes already
            // buffered came with the last request: a pipelined request arrived with it.)
            if (buffer.size() == 0) {
                auto [wait_ec] = co_await socket.async_wait(tcp::socket::wait_read, net::as_tuple(net::use_awaitable));
                if (wait_ec) {
                    break;
                }
                arrived = first_unread_arrival(socket.native_handle());
            }
        }
        auto [read_ec, n] = co_await http::async_read(socket, buffer, parser, net::as_tuple(net::use_awaitable));
        (void)n;
        if (read_ec) {
            break;
        }
        // Two statements, not || around co_await (GCC 12 miscompiles co_await in conditionals).
        bool goes_on = false;
        if constexpr (stamped) {
            goes_on = co_await answer(socket, parser.get(), arrived, timer);
        } else {
            goes_on = co_await answer(socket, parser.get(), timer);
        }
        if (!goes_on) {
            break;
        }
    }
    socket.shutdown(tcp::socket::shutdown_send, ignored);
}

} // namespace crawl::test
