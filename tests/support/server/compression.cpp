// Routes about Content-Encoding: pages in every coding crawl decodes, alone and stacked;
// decompression bombs; corrupt and truncated streams; a zstd frame asking for a huge window;
// codings crawl does not speak; and the request's Accept-Encoding echoed back.

#include "support/encoder.hpp"
#include "support/routes.hpp"
#include "support/server/route_table.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

namespace crawl::test::server_impl {
namespace {

/// The wrapping a Content-Encoding name stands for; nullopt for identity and for names this
/// server cannot make (those go in the label only).
std::optional<wrapping> wrapping_named(std::string_view name)
{
    static constexpr std::array<std::pair<std::string_view, wrapping>, 5> names{{
        {"gzip", wrapping::gzip},
        {"x-gzip", wrapping::gzip},
        {"deflate", wrapping::zlib},
        {"br", wrapping::br},
        {"zstd", wrapping::zstd},
    }};
    const auto* found = std::find_if(names.begin(), names.end(), [&](const auto& n) { return n.first == name; });
    return found == names.end() ? std::nullopt : std::optional<wrapping>(found->second);
}

/// `mb` MiB of zeros in `w`, computed once per coding and size for the whole test process
/// (a GiB takes one to a few seconds, and blocks this io thread meanwhile).
std::shared_ptr<const std::string> bomb(wrapping w, unsigned mb)
{
    static std::mutex mutex;
    static std::map<std::pair<wrapping, unsigned>, std::shared_ptr<const std::string>> bombs;
    const std::scoped_lock lock(mutex);
    std::shared_ptr<const std::string>& slot = bombs[{w, mb}];
    if (!slot) {
        slot = std::make_shared<const std::string>(zero_bomb(w, mb));
    }
    return slot;
}

net::awaitable<next_step> send_encoded(exchange& ex, std::string body, std::string_view label)
{
    field_list extra = one_field("Content-Encoding", std::string(label));
    co_return co_await ex.send(200, html_type, std::move(body), std::move(extra));
}

net::awaitable<next_step> send_encoded_page(exchange& ex, std::string_view prefix, wrapping w, std::string_view label)
{
    const auto n = ex.path_number(prefix);
    if (!n) {
        co_return co_await route_not_found(ex);
    }
    co_return co_await send_encoded(ex, encode(w, routes::page_html(*n)), label);
}

net::awaitable<next_step> route_gzip(exchange& ex)
{
    co_return co_await send_encoded_page(ex, "/gzip/", wrapping::gzip, "gzip");
}

net::awaitable<next_step> route_deflate(exchange& ex)
{
    co_return co_await send_encoded_page(ex, "/deflate/", wrapping::zlib, "deflate");
}

net::awaitable<next_step> route_deflate_raw(exchange& ex)
{
    // Raw deflate under the "deflate" label: what some old servers send and clients must accept.
    co_return co_await send_encoded_page(ex, "/deflate-raw/", wrapping::raw_deflate, "deflate");
}

net::awaitable<next_step> route_br(exchange& ex)
{
    co_return co_await send_encoded_page(ex, "/br/", wrapping::br, "br");
}

net::awaitable<next_step> route_zstd(exchange& ex)
{
    co_return co_await send_encoded_page(ex, "/zstd/", wrapping::zstd, "zstd");
}

/// /stacked/n?ce=LIST: page n encoded by each coding of LIST in turn, labelled LIST; with
/// fields=1, one Content-Encoding field per coding.
net::awaitable<next_step> route_stacked(exchange& ex)
{
    const auto n = ex.path_number("/stacked/");
    const auto list = ex.param("ce");
    if (!n || !list) {
        co_return co_await route_not_found(ex);
    }
    std::string body = routes::page_html(*n);
    field_list extra;
    std::string_view rest = *list;
    while (!rest.empty()) {
        const std::size_t comma = std::min(rest.find(','), rest.size());
        std::string_view name = rest.substr(0, comma);
        rest.remove_prefix(std::min(comma + 1, rest.size()));
        while (name.starts_with(' ')) {
            name.remove_prefix(1);
        }
        if (const auto w = wrapping_named(name)) {
            body = encode(*w, body);
        }
        if (ex.param("fields") == "1") {
            extra.emplace_back("Content-Encoding", std::string(name));
        }
    }
    if (extra.empty()) {
        extra.emplace_back("Content-Encoding", std::string(*list));
    }
    co_return co_await ex.send(200, html_type, std::move(body), std::move(extra));
}

net::awaitable<next_step> send_bomb(exchange& ex, wrapping w, std::string_view label)
{
    const auto mb = static_cast<unsigned>(std::min<std::uint64_t>(ex.number_param("mb", 1024), 16 * 1024));
    const std::shared_ptr<const std::string> body = bomb(w, mb);
    const field_list extra = one_field("Content-Encoding", std::string(label));
    co_await ex.conn.write(ex.head(200, html_type, framing::length, body->size(), extra));
    co_await ex.conn.write(*body);
    co_return ex.after_response();
}

net::awaitable<next_step> route_gzip_bomb(exchange& ex)
{
    co_return co_await send_bomb(ex, wrapping::gzip, "gzip");
}

net::awaitable<next_step> route_br_bomb(exchange& ex)
{
    co_return co_await send_bomb(ex, wrapping::br, "br");
}

net::awaitable<next_step> route_zstd_bomb(exchange& ex)
{
    co_return co_await send_bomb(ex, wrapping::zstd, "zstd");
}

/// /stacked-bomb?mb=N: gzip of N MiB of zeros, then br of that ("gzip, br"): the bomb stays a
/// bomb through two layers.
net::awaitable<next_step> route_stacked_bomb(exchange& ex)
{
    const auto mb = static_cast<unsigned>(std::min<std::uint64_t>(ex.number_param("mb", 1024), 16 * 1024));
    co_return co_await send_encoded(ex, encode(wrapping::br, *bomb(wrapping::gzip, mb)), "gzip, br");
}

net::awaitable<next_step> route_corrupt_gzip(exchange& ex)
{
    std::string body;
    for (int i = 0; i < 20; ++i) {
        body += "this is not gzip data, whatever the header says\n";
    }
    co_return co_await send_encoded(ex, std::move(body), "gzip");
}

net::awaitable<next_step> route_corrupt_br(exchange& ex)
{
    // gzip under the br label, a server's real mistake (brotli has no checksum: a flipped byte
    // may just read as a stream cut short, but a gzip header is no brotli stream).
    co_return co_await send_encoded(ex, encode(wrapping::gzip, routes::page_html(1)), "br");
}

net::awaitable<next_step> route_corrupt_zstd(exchange& ex)
{
    // Page 1 with a byte in the middle flipped: zstd's block decoding or its checksum fails.
    std::string body = encode(wrapping::zstd, routes::page_html(1));
    body[body.size() / 2] = static_cast<char>(body[body.size() / 2] ^ 0x5a);
    co_return co_await send_encoded(ex, std::move(body), "zstd");
}

/// The first half of page 1 in `w`, with the Content-Length of that half.
net::awaitable<next_step> send_truncated(exchange& ex, wrapping w, std::string_view label)
{
    std::string body = encode(w, routes::page_html(1));
    body.resize(body.size() / 2);
    co_return co_await send_encoded(ex, std::move(body), label);
}

net::awaitable<next_step> route_truncated_gzip(exchange& ex)
{
    co_return co_await send_truncated(ex, wrapping::gzip, "gzip");
}

net::awaitable<next_step> route_truncated_br(exchange& ex)
{
    co_return co_await send_truncated(ex, wrapping::br, "br");
}

net::awaitable<next_step> route_truncated_zstd(exchange& ex)
{
    co_return co_await send_truncated(ex, wrapping::zstd, "zstd");
}

/// /zstd-window?log=N: page 1 as a valid zstd frame whose header asks for a 2^N-byte window
/// (default 27: 128 MiB, the most libzstd itself accepts). The page was compressed with a 1 KiB
/// window, so a decoder that grants the window decodes it; the size is only claimed.
net::awaitable<next_step> route_zstd_window(exchange& ex)
{
    const auto log = std::clamp<std::uint64_t>(ex.number_param("log", 27), 10, 41);
    encoder streamed(wrapping::zstd, {3, 10}); // streamed: no content size, so a Window_Descriptor
    streamed.feed(routes::page_html(1));
    std::string body = streamed.finish();
    // Magic (4 bytes), Frame_Header_Descriptor (no single segment: a streamed frame), then the
    // Window_Descriptor: exponent (log - 10) in the high five bits, mantissa 0.
    body[5] = static_cast<char>((log - 10) << 3);
    co_return co_await send_encoded(ex, std::move(body), "zstd");
}

net::awaitable<next_step> route_unsupported_encoding(exchange& ex)
{
    // A coding no client offers (LZW "compress"): crawl must refuse it by name.
    co_return co_await send_encoded(ex, routes::pseudo_random_bytes(256, 3), "compress");
}

/// /echo-accept-encoding: a page titled with the request's Accept-Encoding ("(none)" without one).
net::awaitable<next_step> route_echo_accept_encoding(exchange& ex)
{
    const auto it = ex.req.message->find(http::field::accept_encoding);
    const std::string value = it == ex.req.message->end() ? "(none)" : std::string(it->value());
    co_return co_await ex.send(200, html_type, routes::small_html(value));
}

// clang-format off
constexpr std::array table{
    route{"/gzip/",                true,  &route_gzip},
    route{"/deflate/",             true,  &route_deflate},
    route{"/deflate-raw/",         true,  &route_deflate_raw},
    route{"/br/",                  true,  &route_br},
    route{"/zstd/",                true,  &route_zstd},
    route{"/stacked/",             true,  &route_stacked},
    route{"/gzip-bomb",            false, &route_gzip_bomb},
    route{"/br-bomb",              false, &route_br_bomb},
    route{"/zstd-bomb",            false, &route_zstd_bomb},
    route{"/stacked-bomb",         false, &route_stacked_bomb},
    route{"/corrupt-gzip",         false, &route_corrupt_gzip},
    route{"/corrupt-br",           false, &route_corrupt_br},
    route{"/corrupt-zstd",         false, &route_corrupt_zstd},
    route{"/truncated-gzip",       false, &route_truncated_gzip},
    route{"/truncated-br",         false, &route_truncated_br},
    route{"/truncated-zstd",       false, &route_truncated_zstd},
    route{"/zstd-window",          false, &route_zstd_window},
    route{"/unsupported-encoding", false, &route_unsupported_encoding},
    route{"/echo-accept-encoding", false, &route_echo_accept_encoding},
};
// clang-format on

} // namespace

std::span<const route> compression_routes()
{
    return table;
}

} // namespace crawl::test::server_impl
