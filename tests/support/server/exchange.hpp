#pragma once
// What a route of the test server sees: the request, the connection it may write to or wait
// on, and helpers to build a response head. Routes are coroutines, one per request, run on
// their connection's strand; they return what the connection does next.

#include "support/server/core.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crawl::test::server_impl {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

inline constexpr std::string_view html_type = "text/html; charset=utf-8";

/// What the session does after a route returns.
enum class next_step {
    keep_alive, ///< read the next request on this connection
    close,      ///< close gracefully (TLS close_notify, FIN, drain)
    abort,      ///< close at once, nothing more is sent
};

/// The I/O a route may do on its connection, independent of plain or TLS.
class connection {
public:
    connection() = default;
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    virtual ~connection() = default;
    /// Writes all of `bytes`; throws on error.
    virtual net::awaitable<void> write(std::string_view bytes) = 0;
    /// Waits `d` on a timer that server shutdown cancels (then throws operation_aborted).
    virtual net::awaitable<void> sleep(std::chrono::milliseconds d) = 0;
    /// Reads and discards until the client closes (or the server shuts down).
    virtual net::awaitable<void> wait_for_peer_close() = 0;
};

struct request_view {
    const http::request<http::string_body>* message = nullptr;
    std::string path; ///< target up to '?', not decoded
    std::vector<std::pair<std::string, std::string>> query; ///< decoded names and values
    bool keep_alive = true;
    tcp::endpoint client; ///< the peer
    tcp::endpoint server; ///< our end
};

/// Splits `msg`'s target into path and decoded query parameters.
request_view make_request_view(const http::request<http::string_body>& msg, tcp::endpoint client,
                               tcp::endpoint server);

/// How a response body is delimited.
enum class framing { length, chunked, until_close, none };

using field_list = std::vector<std::pair<std::string_view, std::string>>;

/// A field list of one field. Coroutines build their lists with this (or emplace_back), never
/// with a braced initializer list: GCC 12 destroys the list's backing array wrongly inside a
/// coroutine (ASan reports a bad free).
field_list one_field(std::string_view name, std::string value);

/// `data` as one chunk of a chunked body (size line, data, CRLF).
std::string chunk(std::string_view data);

/// A decimal number filling all of `text`; nullopt otherwise.
std::optional<std::uint64_t> parse_number(std::string_view text);

class exchange {
public:
    exchange(server_core& server, connection& connection_, const request_view& request)
        : core(server), conn(connection_), req(request)
    {
    }

    server_core& core;
    connection& conn;
    const request_view& req;

    [[nodiscard]] std::optional<std::string_view> param(std::string_view name) const;
    [[nodiscard]] std::uint64_t number_param(std::string_view name, std::uint64_t fallback) const;
    /// The number that is the rest of the path after `prefix` ("/page/" + "12").
    [[nodiscard]] std::optional<std::uint64_t> path_number(std::string_view prefix) const;
    [[nodiscard]] bool accepts_gzip() const;
    [[nodiscard]] next_step after_response() const { return req.keep_alive ? next_step::keep_alive : next_step::close; }

    /// The response head: status line, Server, Content-Type, framing, `extra`, Connection.
    [[nodiscard]] std::string head(unsigned status, std::string_view content_type, framing f,
                                   std::uint64_t length = 0, const field_list& extra = {}) const;

    /// Sends a complete response with Content-Length.
    net::awaitable<next_step> send(unsigned status, std::string_view content_type, std::string body,
                                   field_list extra = {});
};

/// 404 with an HTML body: what any path no route takes gets.
net::awaitable<next_step> route_not_found(exchange& ex);

} // namespace crawl::test::server_impl
