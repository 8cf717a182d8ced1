// Redirect routes: chains with relative and absolute Locations, every redirect status, a loop,
// and a Location echoed from the query.

#include "support/routes.hpp"
#include "support/server/route_table.hpp"

#include <array>

namespace crawl::test::server_impl {
namespace {

net::awaitable<next_step> send_redirect(exchange& ex, unsigned status, std::string location)
{
    field_list extra = one_field("Location", std::move(location));
    co_return co_await ex.send(status, html_type, routes::small_html("Redirect"), std::move(extra));
}

net::awaitable<next_step> route_redirect(exchange& ex)
{
    const auto k = ex.path_number("/redirect/");
    if (!k) {
        co_return co_await route_not_found(ex);
    }
    // The location is computed before the co_await: GCC has had bugs with ?: inside one.
    std::string location = *k == 0 ? std::string("/page/1") : "/redirect/" + std::to_string(*k - 1);
    co_return co_await send_redirect(ex, 302, std::move(location));
}

net::awaitable<next_step> route_redirect_abs(exchange& ex)
{
    const auto k = ex.path_number("/redirect-abs/");
    if (!k) {
        co_return co_await route_not_found(ex);
    }
    const std::string base = ex.core.base_url();
    std::string location = *k == 0 ? base + "/page/1" : base + "/redirect-abs/" + std::to_string(*k - 1);
    co_return co_await send_redirect(ex, 302, std::move(location));
}

net::awaitable<next_step> route_redirect_rel(exchange& ex)
{
    co_return co_await send_redirect(ex, 302, "../page/2");
}

net::awaitable<next_step> route_redirect_301(exchange& ex)
{
    co_return co_await send_redirect(ex, 301, "/page/1");
}

net::awaitable<next_step> route_redirect_303(exchange& ex)
{
    co_return co_await send_redirect(ex, 303, "/page/1");
}

net::awaitable<next_step> route_redirect_307(exchange& ex)
{
    co_return co_await send_redirect(ex, 307, "/page/1");
}

net::awaitable<next_step> route_redirect_308(exchange& ex)
{
    co_return co_await send_redirect(ex, 308, "/page/1");
}

net::awaitable<next_step> route_loop_a(exchange& ex)
{
    co_return co_await send_redirect(ex, 302, "/loop/b");
}

net::awaitable<next_step> route_loop_b(exchange& ex)
{
    co_return co_await send_redirect(ex, 302, "/loop/a");
}

net::awaitable<next_step> route_redirect_to(exchange& ex)
{
    std::string location(ex.param("location").value_or("/page/1"));
    // The one change to "exactly that Location": CR and LF would end the header early.
    std::erase_if(location, [](char c) { return c == '\r' || c == '\n'; });
    co_return co_await send_redirect(ex, 302, std::move(location));
}

// clang-format off
constexpr std::array table{
    route{"/redirect/",     true,  &route_redirect},
    route{"/redirect-abs/", true,  &route_redirect_abs},
    route{"/redirect-rel",  false, &route_redirect_rel},
    route{"/redirect-301",  false, &route_redirect_301},
    route{"/redirect-303",  false, &route_redirect_303},
    route{"/redirect-307",  false, &route_redirect_307},
    route{"/redirect-308",  false, &route_redirect_308},
    route{"/loop/a",        false, &route_loop_a},
    route{"/loop/b",        false, &route_loop_b},
    route{"/redirect-to",   false, &route_redirect_to},
};
// clang-format on

} // namespace

std::span<const route> redirect_routes()
{
    return table;
}

} // namespace crawl::test::server_impl
