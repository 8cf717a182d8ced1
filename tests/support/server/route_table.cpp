#include "support/server/route_table.hpp"

#include <array>

namespace crawl::test::server_impl {

route_handler find_route(std::string_view path)
{
    const std::array families{page_routes(), compression_routes(), redirect_routes(), slow_and_broken_routes(),
                              retry_routes()};
    for (const std::span<const route> family : families) {
        for (const route& r : family) {
            if (r.prefix ? path.starts_with(r.path) : path == r.path) {
                return r.handler;
            }
        }
    }
    return &route_not_found;
}

} // namespace crawl::test::server_impl
