// Answers a test scripts: the fixed response set for one path (test_server::set_response), and
// /status-then-ok, which fails a given number of times before it succeeds.

#include "support/routes.hpp"
#include "support/server/route_table.hpp"

#include <array>
#include <ctime>

namespace crawl::test::server_impl {
namespace {

/// How often a held response looks whether the test released it: a timer per held request
/// that release_held() would have to reach on every strand is not worth saving a few ms.
constexpr std::chrono::milliseconds hold_poll{5};

/// An IMF-fixdate, written here independently of the crawler's own date code.
std::string http_date(std::chrono::system_clock::time_point t)
{
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buf;
}

net::awaitable<next_step> route_status_then_ok(exchange& ex)
{
    // The first `fail` requests for `key` fail with `code` (0: the connection closes without an
    // answer), optionally with Retry-After (`retry-after` seconds, or `retry-date`: an HTTP-date
    // that many seconds ahead); later ones get page 1.
    const std::string key(ex.param("key").value_or(""));
    const std::uint64_t attempt = ex.core.next_attempt(key);
    if (attempt >= ex.number_param("fail", 1)) {
        co_return co_await ex.send(200, html_type, routes::page_html(1));
    }
    const auto code = static_cast<unsigned>(ex.number_param("code", 503));
    if (code == 0) {
        co_return next_step::abort;
    }
    field_list extra;
    if (const auto secs = ex.param("retry-after")) {
        extra.emplace_back("Retry-After", std::string(*secs));
    }
    if (ex.param("retry-date")) {
        const auto ahead = std::chrono::seconds(static_cast<std::int64_t>(ex.number_param("retry-date", 0)));
        extra.emplace_back("Retry-After", http_date(std::chrono::system_clock::now() + ahead));
    }
    co_return co_await ex.send(code, html_type, routes::small_html("Status " + std::to_string(code)), std::move(extra));
}

constexpr std::array table{
    route{"/status-then-ok", false, &route_status_then_ok},
};

} // namespace

std::span<const route> retry_routes()
{
    return table;
}

net::awaitable<next_step> route_scripted(exchange& ex)
{
    const auto scripted = ex.core.scripted_for(ex.req.path);
    if (!scripted) {
        co_return co_await route_not_found(ex); // removed meanwhile
    }
    while (scripted->hold && !ex.core.held_released()) {
        co_await ex.conn.sleep(hold_poll);
    }
    if (scripted->delay.count() > 0) {
        co_await ex.conn.sleep(scripted->delay);
    }
    field_list extra;
    for (const auto& [name, value] : scripted->headers) {
        extra.emplace_back(name, value);
    }
    co_return co_await ex.send(scripted->status, scripted->content_type, scripted->body, std::move(extra));
}

} // namespace crawl::test::server_impl
