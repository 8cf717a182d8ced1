// Routes that serve whole pages: the linked test pages, chunked and close-delimited framing,
// every status code, non-HTML types and pages in legacy charsets.

#include "support/routes.hpp"
#include "support/encoder.hpp"
#include "support/server/route_table.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>

namespace crawl::test::server_impl {
namespace {

net::awaitable<next_step> send_page(exchange& ex, std::uint64_t n)
{
    const std::size_t size = std::min<std::uint64_t>(ex.number_param("size", 0), 256ULL * 1024 * 1024);
    std::string body = routes::page_html(n, size);
    if (ex.param("gz") == "1" && ex.accepts_gzip()) {
        field_list extra = one_field("Content-Encoding", "gzip");
        extra.emplace_back("Vary", "Accept-Encoding");
        co_return co_await ex.send(200, html_type, encode(wrapping::gzip, body), std::move(extra));
    }
    co_return co_await ex.send(200, html_type, std::move(body));
}

net::awaitable<next_step> route_root(exchange& ex)
{
    co_return co_await send_page(ex, 0);
}

net::awaitable<next_step> route_page(exchange& ex)
{
    const auto n = ex.path_number("/page/");
    if (!n) {
        co_return co_await route_not_found(ex);
    }
    co_return co_await send_page(ex, *n);
}

net::awaitable<next_step> route_chunked(exchange& ex)
{
    const auto n = ex.path_number("/chunked/");
    if (!n) {
        co_return co_await route_not_found(ex);
    }
    const std::string body = routes::page_html(*n);
    co_await ex.conn.write(ex.head(200, html_type, framing::chunked));
    // Several writes of uneven chunks, so that chunk boundaries fall mid-tag.
    constexpr std::size_t pieces = 5;
    const std::size_t step = body.size() / pieces + 1;
    for (std::size_t offset = 0; offset < body.size(); offset += step) {
        co_await ex.conn.write(chunk(std::string_view(body).substr(offset, step)));
    }
    co_await ex.conn.write("0\r\n\r\n");
    co_return ex.after_response();
}

net::awaitable<next_step> route_close_delimited(exchange& ex)
{
    std::string out = ex.head(200, html_type, framing::until_close);
    out += routes::page_html(1);
    co_await ex.conn.write(out);
    co_return next_step::close;
}

net::awaitable<next_step> route_status(exchange& ex)
{
    const auto code = ex.path_number("/status/");
    if (!code || *code < 200 || *code > 599) {
        co_return co_await route_not_found(ex);
    }
    const auto status = static_cast<unsigned>(*code);
    if (status == 204 || status == 304) {
        // These never have a body, and RFC 9110 forbids Content-Length on 204.
        co_await ex.conn.write(ex.head(status, "", framing::none));
        co_return ex.after_response();
    }
    co_return co_await ex.send(status, html_type, routes::small_html("Status " + std::to_string(status)));
}

net::awaitable<next_step> route_binary(exchange& ex)
{
    co_return co_await ex.send(200, "application/octet-stream", routes::binary_body());
}

net::awaitable<next_step> route_json(exchange& ex)
{
    co_return co_await ex.send(200, "application/json", "{\"name\":\"crawl-test\",\"items\":[1,2,3]}\n");
}

net::awaitable<next_step> route_random_html(exchange& ex)
{
    co_return co_await ex.send(200, html_type, routes::random_html_body());
}

net::awaitable<next_step> send_charset_page(exchange& ex, std::string_view title, const char* iconv_name,
                                            std::string_view label, bool in_header)
{
    std::string html = routes::charset_page(title, iconv_name, in_header ? std::string_view() : label);
    const std::string type = in_header ? "text/html; charset=" + std::string(label) : std::string("text/html");
    co_return co_await ex.send(200, type, std::move(html));
}

net::awaitable<next_step> route_euc_kr_header(exchange& ex)
{
    co_return co_await send_charset_page(ex, routes::euc_kr_title, "EUC-KR", "EUC-KR", true);
}

net::awaitable<next_step> route_euc_kr_meta(exchange& ex)
{
    co_return co_await send_charset_page(ex, routes::euc_kr_title, "EUC-KR", "EUC-KR", false);
}

net::awaitable<next_step> route_sjis_header(exchange& ex)
{
    co_return co_await send_charset_page(ex, routes::sjis_title, "SHIFT_JIS", "Shift_JIS", true);
}

net::awaitable<next_step> route_sjis_meta(exchange& ex)
{
    co_return co_await send_charset_page(ex, routes::sjis_title, "SHIFT_JIS", "Shift_JIS", false);
}

net::awaitable<next_step> route_win1252_meta(exchange& ex)
{
    co_return co_await send_charset_page(ex, routes::win1252_title, "WINDOWS-1252", "windows-1252", false);
}

// clang-format off
constexpr std::array table{
    route{"/",                      false, &route_root},
    route{"/page/",                 true,  &route_page},
    route{"/chunked/",              true,  &route_chunked},
    route{"/close-delimited",       false, &route_close_delimited},
    route{"/status/",               true,  &route_status},
    route{"/binary",                false, &route_binary},
    route{"/json",                  false, &route_json},
    route{"/random-html",           false, &route_random_html},
    route{"/charset/euc-kr-header", false, &route_euc_kr_header},
    route{"/charset/euc-kr-meta",   false, &route_euc_kr_meta},
    route{"/charset/sjis-header",   false, &route_sjis_header},
    route{"/charset/sjis-meta",     false, &route_sjis_meta},
    route{"/charset/win1252-meta",  false, &route_win1252_meta},
};
// clang-format on

} // namespace

std::span<const route> page_routes()
{
    return table;
}

} // namespace crawl::test::server_impl
