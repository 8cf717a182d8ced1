// Routes for slow and broken peers: delays before or during a response, silence, a head
// trickled byte by byte, bodies cut off or huge, a kept-alive connection closed anyway, and a
// request that kills the process fetching it.

#include "support/routes.hpp"
#include "support/server/route_table.hpp"
#include "support/socket_owner.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>

namespace crawl::test::server_impl {
namespace {

using namespace std::chrono_literals;

net::awaitable<next_step> route_slow(exchange& ex)
{
    co_await ex.conn.sleep(std::chrono::milliseconds(static_cast<std::int64_t>(ex.number_param("ms", 1000))));
    co_return co_await ex.send(200, html_type, routes::page_html(1));
}

net::awaitable<next_step> route_slow_body(exchange& ex)
{
    const std::string body = routes::page_html(1);
    co_await ex.conn.write(ex.head(200, html_type, framing::length, body.size()));
    constexpr std::size_t pieces = 10;
    const std::size_t step = body.size() / pieces + 1;
    const auto pause = std::chrono::milliseconds(static_cast<std::int64_t>(ex.number_param("ms", 1000) / pieces));
    for (std::size_t offset = 0; offset < body.size(); offset += step) {
        co_await ex.conn.sleep(pause);
        co_await ex.conn.write(std::string_view(body).substr(offset, step));
    }
    co_return ex.after_response();
}

net::awaitable<next_step> route_never(exchange& ex)
{
    co_await ex.conn.wait_for_peer_close();
    co_return next_step::abort;
}

net::awaitable<next_step> route_trickle_headers(exchange& ex)
{
    const std::string body = routes::page_html(1);
    const std::string h = ex.head(200, html_type, framing::length, body.size());
    // ms is the time the whole head takes; each byte goes out on its own.
    const auto total = std::chrono::milliseconds(static_cast<std::int64_t>(ex.number_param("ms", 2000)));
    const auto pause = std::max<std::chrono::milliseconds>(1ms, total / static_cast<std::int64_t>(h.size()));
    for (const char c : h) {
        co_await ex.conn.write(std::string_view(&c, 1));
        co_await ex.conn.sleep(pause);
    }
    co_await ex.conn.write(body);
    co_return ex.after_response();
}

net::awaitable<next_step> route_close_mid_body(exchange& ex)
{
    std::string out = ex.head(200, html_type, framing::length, 100000);
    out += routes::huge_head;
    out += routes::huge_block().substr(0, 1000 - routes::huge_head.size());
    co_await ex.conn.write(out);
    co_return next_step::abort;
}

/// Writes `n` bytes of the /huge body as pieces, `chunked` or not.
net::awaitable<void> write_huge_body(exchange& ex, std::uint64_t n, bool chunked)
{
    const std::string_view block = routes::huge_block();
    std::uint64_t sent = 0;
    bool first = true;
    while (sent < n) {
        std::string_view piece = first ? routes::huge_head : block;
        first = false;
        piece = piece.substr(0, static_cast<std::size_t>(std::min<std::uint64_t>(piece.size(), n - sent)));
        if (chunked) {
            co_await ex.conn.write(chunk(piece));
        } else {
            co_await ex.conn.write(piece);
        }
        sent += piece.size();
    }
}

net::awaitable<next_step> route_huge(exchange& ex)
{
    const std::uint64_t n = ex.number_param("bytes", 1024 * 1024);
    co_await ex.conn.write(ex.head(200, html_type, framing::length, n));
    co_await write_huge_body(ex, n, false);
    co_return ex.after_response();
}

net::awaitable<next_step> route_huge_chunked(exchange& ex)
{
    const std::uint64_t n = ex.number_param("bytes", 1024 * 1024);
    co_await ex.conn.write(ex.head(200, html_type, framing::chunked));
    co_await write_huge_body(ex, n, true);
    co_await ex.conn.write("0\r\n\r\n");
    co_return ex.after_response();
}

net::awaitable<next_step> route_keepalive_then_close(exchange& ex)
{
    const std::string body = routes::page_html(1);
    // Say keep-alive explicitly (head() already does for HTTP/1.0, and says close when asked to).
    field_list extra;
    if (ex.req.keep_alive && ex.req.message->version() == 11) {
        extra.emplace_back("Connection", "keep-alive");
    }
    std::string out = ex.head(200, html_type, framing::length, body.size(), extra);
    out += body;
    co_await ex.conn.write(out);
    // The head promised keep-alive; closing anyway is the race every pooled client must survive.
    co_return next_step::abort;
}

net::awaitable<next_step> route_crash(exchange& ex)
{
    for (const pid_t pid : socket_owners(ex.req.client, ex.req.server)) {
        // Never the test process itself (a test may fetch /crash with its own client), nor
        // whatever started it.
        if (pid > 1 && pid != ::getpid() && pid != ::getppid()) {
            ::kill(pid, SIGKILL);
        }
    }
    co_await ex.conn.wait_for_peer_close();
    co_return next_step::abort;
}

// clang-format off
constexpr std::array table{
    route{"/slow",                 false, &route_slow},
    route{"/slow-body",            false, &route_slow_body},
    route{"/never",                false, &route_never},
    route{"/trickle-headers",      false, &route_trickle_headers},
    route{"/close-mid-body",       false, &route_close_mid_body},
    route{"/huge",                 false, &route_huge},
    route{"/huge-chunked",         false, &route_huge_chunked},
    route{"/keepalive-then-close", false, &route_keepalive_then_close},
    route{"/crash",                false, &route_crash},
};
// clang-format on

} // namespace

std::span<const route> slow_and_broken_routes()
{
    return table;
}

} // namespace crawl::test::server_impl
