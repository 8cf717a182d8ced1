#pragma once
// The test server's routes, by family: each family's file lists its routes in a table, and
// find_route looks a path up in all of them (no path matches routes of two families).
// tests/support/README.md ("Test server routes") describes every route.

#include "support/server/exchange.hpp"

#include <span>
#include <string_view>

namespace crawl::test::server_impl {

using route_handler = net::awaitable<next_step> (*)(exchange&);

struct route {
    std::string_view path;
    bool prefix; ///< match every path that starts with `path`
    route_handler handler;
};

/// Pages, chunked and close-delimited framing, status codes, non-HTML types, charsets.
std::span<const route> page_routes();
/// Content-Encoding: gzip, deflate in both wrappings, br, zstd, stacked; bombs; corrupt and
/// truncated bodies; a huge zstd window; an unsupported coding; Accept-Encoding echoed.
std::span<const route> compression_routes();
/// Redirect chains, relative and absolute Locations, each 3xx status, loops, echoed Locations.
std::span<const route> redirect_routes();
/// Slow, silent, trickling, huge, cut-off and crashing responses.
std::span<const route> slow_and_broken_routes();
/// /status-then-ok: failures a retry gets past.
std::span<const route> retry_routes();

/// The route for `path`, or route_not_found.
route_handler find_route(std::string_view path);

/// Answers with the response a test set for this exact path (test_server::set_response).
net::awaitable<next_step> route_scripted(exchange& ex);

} // namespace crawl::test::server_impl
