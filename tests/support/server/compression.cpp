// Routes about Content-Encoding: compressed pages, a gzip bomb, corrupt and truncated gzip, and
// a coding the client never offered.

#include "support/routes.hpp"
#include "support/compress.hpp"
#include "support/server/route_table.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <mutex>

namespace crawl::test::server_impl {
namespace {

/// gzip of `mb` MiB of zeros, computed once per size for the whole test process (1 GiB takes
/// a few seconds, and blocks this io thread meanwhile).
std::shared_ptr<const std::string> gzip_bomb(unsigned mb)
{
    static std::mutex mutex;
    static std::map<unsigned, std::shared_ptr<const std::string>> bombs;
    const std::scoped_lock lock(mutex);
    std::shared_ptr<const std::string>& slot = bombs[mb];
    if (!slot) {
        deflater d(31);
        const std::string zeros(1024 * 1024, '\0');
        for (unsigned i = 0; i < mb; ++i) {
            d.feed(zeros, Z_NO_FLUSH);
        }
        d.feed({}, Z_FINISH);
        slot = std::make_shared<const std::string>(d.take());
    }
    return slot;
}

net::awaitable<next_step> send_compressed_page(exchange& ex, std::string_view prefix, int window_bits,
                                               std::string_view coding)
{
    const auto n = ex.path_number(prefix);
    if (!n) {
        co_return co_await route_not_found(ex);
    }
    field_list extra = one_field("Content-Encoding", std::string(coding));
    co_return co_await ex.send(200, html_type, compress(routes::page_html(*n), window_bits), std::move(extra));
}

net::awaitable<next_step> route_gzip(exchange& ex)
{
    co_return co_await send_compressed_page(ex, "/gzip/", 31, "gzip");
}

net::awaitable<next_step> route_deflate(exchange& ex)
{
    co_return co_await send_compressed_page(ex, "/deflate/", 15, "deflate");
}

net::awaitable<next_step> route_deflate_raw(exchange& ex)
{
    // Raw deflate under the "deflate" label: what some old servers send and clients must accept.
    co_return co_await send_compressed_page(ex, "/deflate-raw/", -15, "deflate");
}

net::awaitable<next_step> route_gzip_bomb(exchange& ex)
{
    const auto mb = static_cast<unsigned>(std::min<std::uint64_t>(ex.number_param("mb", 1024), 16 * 1024));
    const std::shared_ptr<const std::string> body = gzip_bomb(mb);
    const field_list extra = one_field("Content-Encoding", "gzip");
    co_await ex.conn.write(ex.head(200, html_type, framing::length, body->size(), extra));
    co_await ex.conn.write(*body);
    co_return ex.after_response();
}

net::awaitable<next_step> route_corrupt_gzip(exchange& ex)
{
    std::string body;
    for (int i = 0; i < 20; ++i) {
        body += "this is not gzip data, whatever the header says\n";
    }
    field_list extra = one_field("Content-Encoding", "gzip");
    co_return co_await ex.send(200, html_type, std::move(body), std::move(extra));
}

net::awaitable<next_step> route_truncated_gzip(exchange& ex)
{
    std::string body = gzip(routes::page_html(1));
    body.resize(body.size() / 2);
    field_list extra = one_field("Content-Encoding", "gzip");
    co_return co_await ex.send(200, html_type, std::move(body), std::move(extra));
}

net::awaitable<next_step> route_br(exchange& ex)
{
    // Not real brotli: a client that does not offer br must report an unsupported coding.
    field_list extra = one_field("Content-Encoding", "br");
    co_return co_await ex.send(200, html_type, routes::pseudo_random_bytes(256, 3), std::move(extra));
}

// clang-format off
constexpr std::array table{
    route{"/gzip/",          true,  &route_gzip},
    route{"/deflate/",       true,  &route_deflate},
    route{"/deflate-raw/",   true,  &route_deflate_raw},
    route{"/gzip-bomb",      false, &route_gzip_bomb},
    route{"/corrupt-gzip",   false, &route_corrupt_gzip},
    route{"/truncated-gzip", false, &route_truncated_gzip},
    route{"/br",             false, &route_br},
};
// clang-format on

} // namespace

std::span<const route> compression_routes()
{
    return table;
}

} // namespace crawl::test::server_impl
